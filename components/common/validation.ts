/**
 * The value rules shared by config schemas (`z.string().refine(isDnsLabel, …)`), component argument checks and
 * policies. Each rule is a predicate (or, for images, the reason a reference fails) and leaves the message to its
 * caller, which knows the key and the fix to name. A leaf module: no Pulumi imports, so policies load it too.
 */
import { cidrBounds, isCidr } from "./ipv4";

const LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
const DNS_LABEL = new RegExp(`^${LABEL}$`);
const HOSTNAME = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

/**
 * True for a lowercase DNS label (RFC 1123 section 2.1): 1 to 63 letters, digits and inner hyphens, as Kubernetes
 * names namespaces and objects (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names).
 */
export function isDnsLabel(value: string): boolean {
  return DNS_LABEL.test(value);
}

/** True for a lowercase host name (RFC 1123): DNS labels joined by dots, at most 253 characters. */
export function isHostname(value: string): boolean {
  return value.length <= 253 && HOSTNAME.test(value);
}

/**
 * True for an IPv4 CIDR `a.b.c.d/n`. With `networkAddress`, the address must also be the block's network address
 * (`192.0.2.0/24`, not `192.0.2.7/24`), as a block (rather than a host's address and prefix) is written.
 */
export function isIpv4Cidr(value: string, options: { readonly networkAddress?: boolean } = {}): boolean {
  if (!isCidr(value)) return false;
  return !options.networkAddress || cidrBounds(value)[0] === value.split("/")[0];
}

const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const AWS_AVAILABILITY_ZONE = /^[a-z]{2}(-[a-z]+)+-\d+[a-z]$/;

/**
 * True for an AWS region name: `eu-central-1`, `us-gov-west-1`
 * (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html).
 */
export function isAwsRegion(value: string): boolean {
  return AWS_REGION.test(value);
}

/** True for an availability zone name: its region's name and a letter, `eu-central-1a`. */
export function isAwsAvailabilityZone(value: string): boolean {
  return AWS_AVAILABILITY_ZONE.test(value);
}

/**
 * True for an IANA time zone the runtime knows (`Europe/Berlin`, `UTC`). Asked of `Intl.DateTimeFormat` rather than
 * `Intl.supportedValuesOf("timeZone")`, whose list leaves out `UTC` and the links (`Europe/Kiev`) the tz database keeps.
 */
export function isTimeZone(value: string): boolean {
  if (value.length === 0) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

// The grammar of https://github.com/distribution/reference/blob/v0.6.0/reference.go: an optional registry host (with
// port) and lowercase path components; a tag of at most 128 word characters, dots and dashes; a sha256 digest.
const DOMAIN_COMPONENT = "[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?";
const PATH_COMPONENT = "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*";
const IMAGE_NAME = new RegExp(
  `^(${DOMAIN_COMPONENT}(\\.${DOMAIN_COMPONENT})*(:\\d+)?/)?${PATH_COMPONENT}(/${PATH_COMPONENT})*$`,
);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Why an image reference does not name one version, as {@link imagePinProblem} reports it. */
export type ImagePinProblem =
  | { readonly kind: "malformed-digest" }
  | { readonly kind: "no-tag-or-digest" }
  | { readonly kind: "latest" }
  | { readonly kind: "malformed-tag"; readonly tag: string };

/**
 * Why `image` is not pinned to one version, or undefined when it is: a digest (`@sha256:` and 64 lowercase hex
 * digits), or a tag other than `latest`. The tag is looked for on the last path segment only, so a registry port
 * (`registry:5000/app`) is not taken for one (https://kubernetes.io/docs/concepts/containers/images/#image-names).
 */
export function imagePinProblem(image: string): ImagePinProblem | undefined {
  const at = image.indexOf("@");
  if (at >= 0) return DIGEST.test(image.slice(at + 1)) ? undefined : { kind: "malformed-digest" };
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  if (colon < 0) return { kind: "no-tag-or-digest" };
  const tag = lastSegment.slice(colon + 1);
  if (tag === "latest") return { kind: "latest" };
  return TAG.test(tag) ? undefined : { kind: "malformed-tag", tag };
}

/**
 * True for an image pinned by digest, `name[:tag]@sha256:<64 hex>`: a tag can be moved to other bytes, a digest names
 * exactly one image. The name and tag must follow the reference grammar too.
 */
export function isDigestPinnedImage(image: string): boolean {
  const at = image.indexOf("@");
  if (at < 0 || !DIGEST.test(image.slice(at + 1))) return false;
  const reference = image.slice(0, at);
  const slash = reference.lastIndexOf("/");
  const colon = reference.indexOf(":", slash + 1);
  if (colon < 0) return IMAGE_NAME.test(reference);
  return IMAGE_NAME.test(reference.slice(0, colon)) && TAG.test(reference.slice(colon + 1));
}
