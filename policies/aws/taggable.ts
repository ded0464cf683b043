/**
 * Which AWS resource types take tags, read from the installed `@pulumi/aws` itself: a resource is taggable when
 * its class declares the `tagsAll` output (the provider's merge of `tags` and the provider's `defaultTags`). Reading
 * the installed package keeps the answer exact for the provider version the programs use, with no list to maintain.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const answers = new Map<string, boolean | undefined>();
let packageRoot: string | null | undefined;

function root(): string | null {
  if (packageRoot === undefined) {
    try {
      packageRoot = dirname(require.resolve("@pulumi/aws/package.json"));
    } catch {
      packageRoot = null;
    }
  }
  return packageRoot;
}

/**
 * True when resources of the AWS type token (`aws:s3/bucket:Bucket`) take tags, false when they do not, and
 * `undefined` when the installed package does not say (no `@pulumi/aws`, or a type it does not ship).
 */
export function isTaggable(type: string): boolean | undefined {
  if (answers.has(type)) return answers.get(type);
  const match = /^aws:([A-Za-z0-9]+)\/([A-Za-z0-9]+):[A-Za-z0-9]+$/.exec(type);
  const base = root();
  let answer: boolean | undefined;
  if (match && base) {
    const file = join(base, match[1] === "index" ? "" : match[1], `${match[2]}.d.ts`);
    answer = existsSync(file) ? /\breadonly tagsAll: /.test(readFileSync(file, "utf8")) : undefined;
  }
  answers.set(type, answer);
  return answer;
}
