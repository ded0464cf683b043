import { imagePinProblem as pinProblemOf } from "../../components/common/validation";

/**
 * Why a container image reference is not pinned, or `undefined` when it is, in the words of the policy's report: the
 * rule is the components' own (a digest, or a tag other than `latest`).
 */
export function imagePinProblem(image: string): string | undefined {
  const problem = pinProblemOf(image);
  switch (problem?.kind) {
    case undefined:
      return undefined;
    case "malformed-digest":
      return "has a malformed digest";
    case "no-tag-or-digest":
      return "has no tag or digest";
    case "latest":
      return "uses the tag 'latest'";
    case "malformed-tag":
      return "has a malformed tag";
  }
}
