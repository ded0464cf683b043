/**
 * Why a container image reference is not pinned, or `undefined` when it is: a digest (`@sha256:` and 64 hex digits)
 * or a tag other than `latest` on the last path segment, so a registry port (`registry:5000/app`) is not taken for a
 * tag (https://kubernetes.io/docs/concepts/containers/images/#image-names).
 */
export function imagePinProblem(image: string): string | undefined {
  const at = image.indexOf("@");
  if (at >= 0) {
    return /^sha256:[0-9a-f]{64}$/.test(image.slice(at + 1)) ? undefined : "has a malformed digest";
  }
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  if (colon < 0) return "has no tag or digest";
  const tag = lastSegment.slice(colon + 1);
  if (tag === "latest") return "uses the tag 'latest'";
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag) ? undefined : "has a malformed tag";
}
