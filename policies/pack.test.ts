import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { POLICY_NAMES } from "./names";
import { DEFAULT_ENFORCEMENT, enforcementOf, PACK_NAME, POLICIES } from "./pack";
import { AREAS, FoundationPolicy, SEVERITIES } from "./policy";

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
  it("is named foundation and makes the high and critical policies mandatory, the others advisory", () => {
    expect(PACK_NAME).toBe("foundation");
    expect(DEFAULT_ENFORCEMENT).toBe("advisory");
    for (const policy of POLICIES) {
      const expected = ["high", "critical"].includes(policy.severity) ? "mandatory" : "advisory";
      expect([policy.name, policy.enforcementLevel]).toEqual([policy.name, expected]);
    }
    expect(enforcementOf("critical")).toBe("mandatory");
    expect(enforcementOf("high")).toBe("mandatory");
    expect(enforcementOf("medium")).toBe("advisory");
    expect(enforcementOf("low")).toBe("advisory");
  });

  it("lists every policy's name in names.ts, where config validation reads them (add a new policy's name there)", () => {
    expect([...POLICY_NAMES]).toEqual(POLICIES.map((p) => p.name).sort());
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
      const policy = exported as FoundationPolicy;
      expect(POLICIES.find((p) => p.name === policy.name)).toEqual({
        ...policy,
        enforcementLevel: enforcementOf(policy.severity),
      });
      const tests = readdirSync(dir).filter((f) => f.endsWith(".test.ts"));
      const tested = tests.some((test) =>
        new RegExp(`import \\{[^}]*\\b${constant}\\b[^}]*\\}`).test(readFileSync(join(dir, test), "utf8")),
      );
      expect({ constant, tested }).toEqual({ constant, tested: true });
    }
  });
});
