import { instanceTypeArchitecture, parseInstanceType } from "./instance-types";

describe("instanceTypeArchitecture", () => {
  test.each([
    ["a1.large", "arm64"],
    ["t4g.small", "arm64"],
    ["c7g.xlarge", "arm64"],
    ["m7g.large", "arm64"],
    ["r8g.2xlarge", "arm64"],
    ["m7gd.large", "arm64"],
    ["c6gn.16xlarge", "arm64"],
    ["im4gn.large", "arm64"],
    ["is4gen.medium", "arm64"],
    ["g5g.xlarge", "arm64"],
    ["hpc7g.4xlarge", "arm64"],
    ["c7g.metal", "arm64"],
    ["m5.large", "amd64"],
    ["c7i.large", "amd64"],
    ["c7i-flex.large", "amd64"],
    ["m7a.xlarge", "amd64"],
    ["g5.xlarge", "amd64"],
    ["c5n.large", "amd64"],
    ["m6idn.large", "amd64"],
    ["d3en.xlarge", "amd64"],
    ["inf2.xlarge", "amd64"],
    ["t3.micro", "amd64"],
  ])("%s runs %s", (type, architecture) => {
    expect(instanceTypeArchitecture(type)).toBe(architecture);
  });

  test.each(["c7g", "large", "C7G.LARGE", "c7g.", ".large", "u-6tb1.metal", "c7g large", ""])(
    "%j is not an instance type",
    (name) => {
      expect(instanceTypeArchitecture(name)).toBeUndefined();
    },
  );
});

describe("parseInstanceType", () => {
  test("splits family, series, generation, attributes and size", () => {
    expect(parseInstanceType("c6gn.16xlarge")).toEqual({
      family: "c6gn",
      series: "c",
      generation: 6,
      attributes: "gn",
      size: "16xlarge",
    });
    expect(parseInstanceType("a1.metal")).toEqual({
      family: "a1",
      series: "a",
      generation: 1,
      attributes: "",
      size: "metal",
    });
  });
});
