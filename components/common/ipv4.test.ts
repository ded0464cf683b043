import {
  addressOf,
  cidrBounds,
  cidrContains,
  cidrsOverlap,
  hostAddressProblem,
  inRange,
  rangeOf,
  toNumber,
} from "./ipv4";

describe("IPv4 helpers", () => {
  it("converts addresses to integers across the whole space", () => {
    expect(toNumber("0.0.0.0")).toBe(0);
    expect(toNumber("255.255.255.255")).toBe(4294967295);
    expect(toNumber("192.168.10.1")).toBe(3232238081);
  });

  it("bounds and contains by the block's prefix, whatever host bits the block is written with", () => {
    expect(cidrBounds("192.168.10.0/24")).toEqual(["192.168.10.0", "192.168.10.255"]);
    expect(cidrBounds("10.96.7.9/12")).toEqual(["10.96.0.0", "10.111.255.255"]);
    expect(cidrContains("192.168.10.0/24", "192.168.10.255")).toBe(true);
    expect(cidrContains("192.168.10.0/24", "192.168.11.0")).toBe(false);
    expect(cidrContains("0.0.0.0/0", "203.0.113.9")).toBe(true);
  });

  it("finds overlap in both directions and none between neighbours", () => {
    expect(cidrsOverlap("10.244.0.0/16", "10.244.8.0/24")).toBe(true);
    expect(cidrsOverlap("10.244.8.0/24", "10.244.0.0/16")).toBe(true);
    expect(cidrsOverlap("10.96.0.0/12", "10.112.0.0/12")).toBe(false);
    expect(cidrsOverlap("192.168.0.0/16", "192.168.10.0/24")).toBe(true);
  });

  it("refuses a network or broadcast address as a host, except on point-to-point blocks", () => {
    expect(hostAddressProblem("192.168.10.0/24", "192.168.10.0")).toBe(
      "192.168.10.0 is the network address of 192.168.10.0/24, not a host address",
    );
    expect(hostAddressProblem("192.168.10.0/24", "192.168.10.255")).toBe(
      "192.168.10.255 is the broadcast address of 192.168.10.0/24, not a host address",
    );
    expect(hostAddressProblem("192.168.10.0/24", "192.168.10.1")).toBeUndefined();
    expect(hostAddressProblem("192.168.10.0/31", "192.168.10.0")).toBeUndefined();
  });

  it("reads MetalLB ranges and blocks, and refuses descending or malformed ones", () => {
    expect(rangeOf("192.168.10.200-192.168.10.220")).toEqual(["192.168.10.200", "192.168.10.220"]);
    expect(rangeOf("192.168.10.192/27")).toEqual(["192.168.10.192", "192.168.10.223"]);
    expect(rangeOf("192.168.10.220-192.168.10.200")).toBeUndefined();
    expect(rangeOf("192.168.10.241/28")).toBeUndefined();
    expect(rangeOf("192.168.10.300-192.168.10.310")).toBeUndefined();
    expect(rangeOf("pool")).toBeUndefined();
    expect(inRange(["192.168.10.200", "192.168.10.220"], "192.168.10.220")).toBe(true);
    expect(inRange(["192.168.10.200", "192.168.10.220"], "192.168.10.221")).toBe(false);
    expect(addressOf("192.168.10.11/24")).toBe("192.168.10.11");
  });
});
