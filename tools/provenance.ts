/**
 * Provenance of third-party data files kept in the repository (schemas the tests validate against): each folder of
 * such files has a README.md with one table row per file, naming its upstream URL and its SHA-256. The tests call
 * {@link provenanceProblems} on their folder, so a file edited, replaced or added without a matching row (a new
 * source, version and checksum) fails the test that reads it.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The README that documents a data folder's files. */
export const PROVENANCE_README = "README.md";

/** One file's row in the README. */
export interface ProvenanceEntry {
  /** The file name, relative to the folder. */
  readonly file: string;
  /** The upstream page or raw file it was copied from. */
  readonly url: string;
  /** The SHA-256 of the file's bytes, lowercase hex. */
  readonly sha256: string;
}

const FILE_CELL = /^`([^`/]+)`$/;
const SHA256_CELL = /^`?([0-9a-f]{64})`?$/;
const URL_IN_CELL = /https:\/\/[^\s)>`|]+/;

/**
 * The rows of the README's tables whose first cell is a file name in backticks. A row must carry an https URL and
 * a 64-hex-digit SHA-256 in cells of its own; a row without either is reported, never skipped.
 */
export function parseProvenance(readme: string): { entries: ProvenanceEntry[]; problems: string[] } {
  const entries: ProvenanceEntry[] = [];
  const problems: string[] = [];
  for (const line of readme.split("\n")) {
    if (!line.trimStart().startsWith("|")) continue;
    const cells = line
      .trim()
      .replace(/^\||\|$/g, "")
      .split("|")
      .map((cell) => cell.trim());
    const file = FILE_CELL.exec(cells[0] ?? "")?.[1];
    if (file === undefined) continue;
    const sha256 = cells.map((cell) => SHA256_CELL.exec(cell)?.[1]).find((hex) => hex !== undefined);
    const url = cells.map((cell) => URL_IN_CELL.exec(cell)?.[0]).find((found) => found !== undefined);
    if (sha256 === undefined) problems.push(`${file}: its README row has no sha256 cell (64 lowercase hex digits)`);
    if (url === undefined) problems.push(`${file}: its README row has no upstream https URL`);
    if (sha256 !== undefined && url !== undefined) entries.push({ file, url, sha256 });
  }
  return { entries, problems };
}

/** The SHA-256 of a file's bytes, lowercase hex. */
export function sha256Of(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * Everything wrong with a data folder's provenance, as messages that name the file and the fix; empty when every
 * file but the README has exactly one row and its bytes hash to the SHA-256 written there.
 */
export function provenanceProblems(dir: string): string[] {
  const { entries, problems } = parseProvenance(readFileSync(join(dir, PROVENANCE_README), "utf8"));
  const files = readdirSync(dir).filter((name) => name !== PROVENANCE_README);
  const listed = new Map<string, ProvenanceEntry>();
  for (const entry of entries) {
    if (listed.has(entry.file)) problems.push(`${entry.file}: listed twice in ${PROVENANCE_README}; keep one row`);
    listed.set(entry.file, entry);
  }
  for (const file of files) {
    const entry = listed.get(file);
    if (entry === undefined) {
      problems.push(`${file}: not in ${PROVENANCE_README}; add a row with its upstream URL, version and sha256`);
      continue;
    }
    const actual = sha256Of(join(dir, file));
    if (actual !== entry.sha256) {
      problems.push(
        `${file}: sha256 is ${actual}, ${PROVENANCE_README} says ${entry.sha256}; restore the upstream copy, or ` +
          `record the new source, version and sha256 in ${PROVENANCE_README}`,
      );
    }
  }
  for (const file of listed.keys()) {
    if (!files.includes(file)) problems.push(`${file}: listed in ${PROVENANCE_README} but missing from the folder`);
  }
  return problems;
}
