import { readFileSync } from "node:fs";
import { renderStandards } from "./policies/standards";
import { phaseGraphBlock, README, renderReadme, STANDARDS } from "./docs";

describe("README", () => {
  const readme = readFileSync(README, "utf8");

  it("carries the current phase graph (run `npm run docs` when this fails)", () => {
    expect(renderReadme(readme)).toBe(readme);
  });

  it("has exactly the two quick-start commands", () => {
    const quickStart = readme.slice(
      readme.indexOf("## Quick start"),
      readme.indexOf("\n## ", readme.indexOf("## Quick start") + 1),
    );
    const commands = quickStart.split("\n").filter((line) => /^(npm|npx) /.test(line));
    expect(commands).toEqual(["npm ci && npm run plan", "npm test"]);
  });

  it("refuses a README without the generated block", () => {
    expect(() => renderReadme("# Foundation\n")).toThrow("README.md has no generated phase-graph block");
  });

  it("draws every edge of the graph", () => {
    expect(phaseGraphBlock()).toContain("  group --> lab");
  });
});

describe("docs/standards.md", () => {
  it("is the standard the policy pack enforces (run `npm run docs` when this fails)", () => {
    expect(readFileSync(STANDARDS, "utf8")).toBe(renderStandards());
  });
});
