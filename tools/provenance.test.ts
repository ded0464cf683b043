import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseProvenance, provenanceProblems, sha256Of } from "./provenance";

const SCHEMA = '{"type":"object"}\n';
/** Any 64 hex digits: the parser checks the form of a row, not the file. */
const ANY_SHA256 = "ab".repeat(32);

function readme(rows: string[]): string {
  return [
    "# Schemas",
    "",
    "| file | upstream | tag | sha256 |",
    "| ---- | -------- | --- | ------ |",
    ...rows,
    "",
    "| not a file row | https://example.com | x | y |",
  ].join("\n");
}

const row = (file: string, sha256: string, url = "https://example.com/schema.json") =>
  `| \`${file}\` | ${url} | \`v1.0.0\` | \`${sha256}\` |`;

let dir: string;
let actual: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "provenance-"));
  writeFileSync(join(dir, "schema.json"), SCHEMA);
  actual = sha256Of(join(dir, "schema.json"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("parseProvenance", () => {
  it("reads the rows whose first cell is a file name in backticks: file, first https URL, sha256", () => {
    expect(parseProvenance(readme([row("schema.json", ANY_SHA256)]))).toEqual({
      entries: [{ file: "schema.json", url: "https://example.com/schema.json", sha256: ANY_SHA256 }],
      problems: [],
    });
  });

  it("reports a file row without a sha256 or without an upstream URL instead of skipping it", () => {
    const text = readme([
      "| `a.json` | https://example.com/a | v1 | n/a |",
      `| \`b.json\` | upstream | v1 | ${"0".repeat(64)} |`,
    ]);
    expect(parseProvenance(text)).toEqual({
      entries: [],
      problems: [
        "a.json: its README row has no sha256 cell (64 lowercase hex digits)",
        "b.json: its README row has no upstream https URL",
      ],
    });
  });
});

describe("provenanceProblems", () => {
  it("is empty when every file has one row and its bytes hash to the sha256 written there", () => {
    writeFileSync(join(dir, "README.md"), readme([row("schema.json", actual)]));
    expect(provenanceProblems(dir)).toEqual([]);
  });

  it("fails on an edit without new provenance: the file's bytes no longer hash to its row", () => {
    writeFileSync(join(dir, "README.md"), readme([row("schema.json", actual)]));
    writeFileSync(join(dir, "schema.json"), '{"type":"array"}\n');
    const edited = sha256Of(join(dir, "schema.json"));
    expect(provenanceProblems(dir)).toEqual([
      `schema.json: sha256 is ${edited}, README.md says ${actual}; restore the upstream copy, or record the new ` +
        "source, version and sha256 in README.md",
    ]);
  });

  it("fails on a file without a row, a row without a file, and a file listed twice", () => {
    writeFileSync(
      join(dir, "README.md"),
      readme([row("gone.json", actual), row("schema.json", actual), row("schema.json", actual)]),
    );
    writeFileSync(join(dir, "extra.json"), "{}\n");
    expect(provenanceProblems(dir)).toEqual([
      "schema.json: listed twice in README.md; keep one row",
      "extra.json: not in README.md; add a row with its upstream URL, version and sha256",
      "gone.json: listed in README.md but missing from the folder",
    ]);
  });
});
