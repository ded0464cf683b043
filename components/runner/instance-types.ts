/**
 * EC2 instance type names and the CPU architecture they imply, so a pool's instance types can be checked against
 * the architecture its jobs (and its AMI and helper image) are built for.
 *
 * An instance type is `<family>.<size>`; the family is a series prefix, a generation number and attribute letters
 * (`c7gn` = series `c`, generation 7, attributes `gn`). AWS Graviton (arm64) families carry a `g` as the first
 * attribute letter (`t4g`, `c7g`, `m7gd`, `c6gn`, `is4gen`, `r8g`), and `a1` is the first-generation Graviton
 * (https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html, "processor family" attribute `g`).
 * Every other family runs on x86_64 (Intel or AMD).
 */

/** A CPU architecture the runner fleet supports, in Docker/Go naming. */
export type Architecture = "arm64" | "amd64";

/** The architectures, for validation and iteration. */
export const ARCHITECTURES: readonly Architecture[] = ["arm64", "amd64"];

/** An instance type split into its parts. */
export interface InstanceTypeParts {
  /** The family, e.g. `c7gn`. */
  readonly family: string;
  /** The series prefix, e.g. `c`, `im`, `hpc`. */
  readonly series: string;
  /** The generation number, e.g. `7`. */
  readonly generation: number;
  /** The attribute letters after the generation, e.g. `gn`, `i-flex`; empty for `a1` or `m5`. */
  readonly attributes: string;
  /** The size, e.g. `large`, `2xlarge`, `metal`. */
  readonly size: string;
}

const INSTANCE_TYPE = /^([a-z]+)(\d+)([a-z][a-z0-9-]*)?\.([a-z0-9][a-z0-9-]*)$/;

/** Splits an instance type name, or returns `undefined` when it is not of the form `<family>.<size>`. */
export function parseInstanceType(name: string): InstanceTypeParts | undefined {
  const match = INSTANCE_TYPE.exec(name);
  if (match === null) {
    return undefined;
  }
  const [, series, generation, attributes, size] = match;
  return {
    family: `${series}${generation}${attributes ?? ""}`,
    series,
    generation: Number(generation),
    attributes: attributes ?? "",
    size,
  };
}

/**
 * The architecture an instance type runs, or `undefined` when the name is not an instance type.
 * Graviton: `a1`, or a family whose attributes start with `g` (`*g`, `*gd`, `*gn`, `*gen`).
 */
export function instanceTypeArchitecture(name: string): Architecture | undefined {
  const parts = parseInstanceType(name);
  if (parts === undefined) {
    return undefined;
  }
  if (parts.family === "a1" || parts.attributes.startsWith("g")) {
    return "arm64";
  }
  return "amd64";
}
