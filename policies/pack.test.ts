import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_ENFORCEMENT, PACK_NAME, POLICIES } from "./pack";
import { AREAS, SEVERITIES } from "./policy";

/** The policy service prefixes each area's names start with. */
const SERVICES: Record<(typeof AREAS)[number], readonly string[]> = {
  aws: ["aws", "ec2", "iam", "kms", "organizations", "s3"],
  proxmox: ["proxmox"],
  kubernetes: ["kubernetes"],
  gitlab: ["gitlab"],
  stack: ["pulumi"],
};

/** Every `export const X = define…Policy(` in the area folders, with its file. */
function definedPolicies(): { file: string; dir: string; constant: string }[] {
  return AREAS.flatMap((area) => {
    const dir = join(__dirname, area);
    return readdirSync(dir)
      .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
      .flatMap((file) =>
        [
          ...readFileSync(join(dir, file), "utf8").matchAll(/export const (\w+) = define(?:Resource|Stack)Policy\(/g),
        ].map((match) => ({ file, dir, constant: match[1] })),
      );
  });
}

describe("the Foundation policy pack", () => {
  it("is named foundation, advisory by default, and sets no enforcement per policy", () => {
    expect(PACK_NAME).toBe("foundation");
    expect(DEFAULT_ENFORCEMENT).toBe("advisory");
    expect(POLICIES.filter((p) => p.enforcementLevel !== undefined).map((p) => p.name)).toEqual([]);
  });

  it("has at least 30 policies with unique names", () => {
    expect(POLICIES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(POLICIES.map((p) => p.name)).size).toBe(POLICIES.length);
  });

  it("covers every area of the standard", () => {
    expect([...new Set(POLICIES.map((p) => p.area))].sort()).toEqual([...AREAS].sort());
  });

  it.each(POLICIES.map((p) => [p.name, p] as const))("%s carries complete metadata", (name, policy) => {
    expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+){2,}$/);
    expect(SERVICES[policy.area].some((service) => name.startsWith(`${service}-`))).toBe(true);
    expect(policy.description).toMatch(/^[A-Z][^\n]*[A-Za-z0-9)]\.$/);
    expect(policy.description.split(" ").length).toBeGreaterThanOrEqual(5);
    expect(SEVERITIES).toContain(policy.severity);
    expect(policy.remediationSteps).toMatch(/^[A-Z][\s\S]{40,}\.$/);
    expect(policy.url).toMatch(/^https:\/\/[a-z0-9.-]+\.[a-z]+\//);
    const kinds = ["validateResource" in policy, "validateStack" in policy];
    expect(kinds.filter(Boolean)).toHaveLength(1);
  });

  it("lists every policy defined in the area folders, each with a test beside it", () => {
    const defined = definedPolicies();
    expect(defined.length).toBe(POLICIES.length);
    for (const { file, dir, constant } of defined) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exported = (require(join(dir, file)) as Record<string, unknown>)[constant];
      expect(POLICIES).toContain(exported);
      const tests = readdirSync(dir).filter((f) => f.endsWith(".test.ts"));
      const tested = tests.some((test) => readFileSync(join(dir, test), "utf8").includes(`{ ${constant} }`));
      expect({ constant, tested }).toEqual({ constant, tested: true });
    }
  });
});
