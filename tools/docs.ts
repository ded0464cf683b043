/**
 * `npm run docs`: regenerates the documentation derived from code, so the written phase graph and the one the plan
 * and CI follow cannot drift, nor the written standard (`docs/standards.md`) and the one the policy pack enforces.
 * A test fails when a committed page differs from what this writes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderStandards } from "../policies/standards";
import { GRAPH, mermaidDiagram, stackOrder } from "../stacks/graph";

const START = "<!-- generated:phase-graph:start (npm run docs) -->";
const END = "<!-- generated:phase-graph:end -->";

/** The generated block: the mermaid diagram and the apply order. */
export function phaseGraphBlock(): string {
  const order = stackOrder().map((name, i) => `${i + 1}. \`${name}\` (${GRAPH[name].description})`);
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
