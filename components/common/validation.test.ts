import {
  imagePinProblem,
  isAwsAvailabilityZone,
  isAwsRegion,
  isDigestPinnedImage,
  isDnsLabel,
  isHostname,
  isIpv4Cidr,
  isTimeZone,
} from "./validation";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("isDnsLabel", () => {
  it("takes lowercase letters, digits and inner hyphens, 1 to 63 characters", () => {
    for (const label of ["a", "talos-cp-1", "0abc", "a".repeat(63)]) expect(isDnsLabel(label)).toBe(true);
  });

  it("refuses upper case, outer hyphens, dots, underscores, the empty string and 64 characters", () => {
    for (const label of ["Talos", "-a", "a-", "a.b", "a_b", "", "a".repeat(64)]) expect(isDnsLabel(label)).toBe(false);
  });
});

describe("isHostname", () => {
  it("takes one or more DNS labels joined by dots", () => {
    for (const name of ["pve1", "pve1.example.com", "time.cloudflare.com"]) expect(isHostname(name)).toBe(true);
  });

  it("refuses empty labels, upper case, trailing dots and more than 253 characters", () => {
    const long = Array.from({ length: 5 }, () => "a".repeat(63)).join(".");
    for (const name of ["", "a..b", "Example.com", "example.com.", "-a.b", long]) expect(isHostname(name)).toBe(false);
  });
});

describe("isIpv4Cidr", () => {
  it("takes an address with a prefix of 0 to 32, host bits set or not", () => {
    for (const cidr of ["0.0.0.0/0", "192.168.10.11/24", "10.0.0.0/8", "203.0.113.9/32"]) {
      expect(isIpv4Cidr(cidr)).toBe(true);
    }
  });

  it("refuses prefixes above 32 or with leading zeros, bad addresses, IPv6 and a bare address", () => {
    for (const cidr of ["10.0.0.0/33", "10.0.0.0/024", "256.0.0.0/8", "10.0.0/8", "2001:db8::/32", "10.0.0.1", ""]) {
      expect(isIpv4Cidr(cidr)).toBe(false);
    }
  });

  it("with networkAddress, takes a block only when written with its network address", () => {
    expect(isIpv4Cidr("192.0.2.0/24", { networkAddress: true })).toBe(true);
    expect(isIpv4Cidr("0.0.0.0/0", { networkAddress: true })).toBe(true);
    expect(isIpv4Cidr("192.0.2.7/24", { networkAddress: true })).toBe(false);
    expect(isIpv4Cidr("192.0.2.7/32", { networkAddress: true })).toBe(true);
  });
});

describe("isAwsRegion and isAwsAvailabilityZone", () => {
  it("take region names, GovCloud ones included, and zones as a region and a letter", () => {
    for (const region of ["eu-central-1", "us-gov-west-1", "ap-southeast-7"]) expect(isAwsRegion(region)).toBe(true);
    expect(isAwsAvailabilityZone("eu-central-1a")).toBe(true);
  });

  it("refuse zones as regions, regions as zones, and names that are not AWS's", () => {
    for (const region of ["eu-central-1a", "eu-central", "EU-central-1", "europe-west1", ""]) {
      expect(isAwsRegion(region)).toBe(false);
    }
    expect(isAwsAvailabilityZone("eu-central-1")).toBe(false);
  });
});

describe("isTimeZone", () => {
  it("takes IANA zones and UTC", () => {
    for (const zone of ["Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires"]) expect(isTimeZone(zone)).toBe(true);
  });

  it("refuses unknown zones and the empty string", () => {
    for (const zone of ["Europe/Springfield", "CEST+1", ""]) expect(isTimeZone(zone)).toBe(false);
  });
});

describe("imagePinProblem", () => {
  it("takes a version tag or a digest, and a registry port is not a tag", () => {
    for (const image of [
      "docker:28.1.1-dind",
      `app@${DIGEST}`,
      `registry:5000/app:1.2@${DIGEST}`,
      "registry:5000/app:v1",
    ]) {
      expect(imagePinProblem(image)).toBeUndefined();
    }
  });

  it("names what is wrong: no tag, latest, a malformed tag or digest", () => {
    expect(imagePinProblem("registry:5000/app")).toEqual({ kind: "no-tag-or-digest" });
    expect(imagePinProblem("app:latest")).toEqual({ kind: "latest" });
    expect(imagePinProblem("app:-x")).toEqual({ kind: "malformed-tag", tag: "-x" });
    expect(imagePinProblem(`app:${"1".repeat(129)}`)).toEqual({ kind: "malformed-tag", tag: "1".repeat(129) });
    expect(imagePinProblem("app@sha256:abc")).toEqual({ kind: "malformed-digest" });
    expect(imagePinProblem(`app@sha256:${"A".repeat(64)}`)).toEqual({ kind: "malformed-digest" });
  });
});

describe("isDigestPinnedImage", () => {
  it("takes name[:tag]@sha256:<64 hex>, with or without a registry and port", () => {
    for (const image of [
      `node:20-bookworm-slim@${DIGEST}`,
      `quay.io/cilium/cilium-cli:v0.18.9@${DIGEST}`,
      `registry.example.com:5000/mson/app@${DIGEST}`,
      `public.ecr.aws/aws-cli/aws-cli:2.27.0@${DIGEST}`,
    ]) {
      expect(isDigestPinnedImage(image)).toBe(true);
    }
  });

  it("refuses tags alone, malformed digests, upper-case paths, malformed tags and empty names", () => {
    for (const image of [
      "docker:28.1.1-dind",
      "app@sha256:abc",
      `App/Name@${DIGEST}`,
      `app:-x@${DIGEST}`,
      `@${DIGEST}`,
      `app@sha256:*`,
      `app @${DIGEST}`,
    ]) {
      expect(isDigestPinnedImage(image)).toBe(false);
    }
  });
});
