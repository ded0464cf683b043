/**
 * "Did you mean" hints for names a user typed: config keys, policy names, stack file keys, label names.
 */
import { distance } from "fastest-levenshtein";

/**
 * The known name closest to `name` (case-insensitively), when it is close enough to be a likely typo: at most a
 * third of its length away, and never more than `maxDistance` edits (default: 2, or a third of the name).
 */
export function suggest(name: string, known: readonly string[], maxDistance?: number): string | undefined {
  let best: { name: string; score: number } | undefined;
  for (const candidate of known) {
    const score = distance(name.toLowerCase(), candidate.toLowerCase());
    if (!best || score < best.score) best = { name: candidate, score };
  }
  if (!best) return undefined;
  const limit = maxDistance ?? Math.max(2, Math.floor(best.name.length / 3));
  return best.score <= limit ? best.name : undefined;
}
