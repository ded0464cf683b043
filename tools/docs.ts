/**
 * `npm run docs`: regenerates the documentation derived from code, so the written phase graph and the one the plan
 * and CI follow cannot drift, nor the written standard (`docs/standards.md`) and the one the policy pack enforces.
 * A test fails when a committed page differs from what this writes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderStandards } from "./policies/standards";
import { applyWaves, GRAPH, mermaidDiagram, StackName } from "../stacks/graph";

const START = "<!-- generated:phase-graph:start (npm run docs) -->";
const END = "<!-- generated:phase-graph:end -->";

/** The generated block: the mermaid diagram and the apply order. */
export function phaseGraphBlock(): string {
  const order = applyWaves().flatMap((wave, i) => {
    const item = (name: StackName) => {
      const without = (GRAPH[name].optional ?? []).map(
        (need) =>
          `: before \`${need}\` exists it runs with \`foundation:stackReferences.${need}: false\` and leaves out what ` +
          `it reads from \`${need}\`, which its next \`up\` adds`,
      );
      return `\`${name}\` (${GRAPH[name].description})${without.join("")}`;
    };
    if (wave.length === 1) return [`${i + 1}. ${item(wave[0])}`];
    return [`${i + 1}. At once, or in either order:`, ...wave.map((name) => `   - ${item(name)}`)];
  });
  return [START, "", "```mermaid", mermaidDiagram(), "```", "", "Apply order:", "", ...order, "", END].join("\n");
}

/** `readme` with its generated block replaced; throws when the markers are missing. */
export function renderReadme(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) {
    throw new Error(`README.md has no generated phase-graph block; add the markers ${START} and ${END}`);
  }
  return readme.slice(0, start) + phaseGraphBlock() + readme.slice(end + END.length);
}

/** Path of the README this script maintains. */
export const README = join(__dirname, "..", "README.md");

/** Path of the standards page, generated whole from the policy pack's metadata. */
export const STANDARDS = join(__dirname, "..", "docs", "standards.md");

if (require.main === module) {
  writeFileSync(README, renderReadme(readFileSync(README, "utf8")));
  writeFileSync(STANDARDS, renderStandards());
}
