/**
 * Namespaces as the Kubernetes stack policies see them: which namespace an object lives in and the Namespace
 * resources the stack declares, by name.
 */
import type { PolicyResource } from "@pulumi/policy";
import { asObject, whenKnown } from "../policy";

/** The Namespace type token. */
export const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";

/**
 * The namespace an object lives in: its `metadata.namespace`, `default` when unset (as the API server does), or
 * `undefined` when it is unknown at preview.
 */
export function namespaceOf(resource: PolicyResource): string | undefined {
  const metadata = asObject(resource.props.metadata);
  return whenKnown(() => {
    const namespace = metadata.namespace;
    return typeof namespace === "string" && namespace !== "" ? namespace : "default";
  });
}

/** The Namespace resources of the stack by their known `metadata.name`. */
export function declaredNamespaces(resources: readonly PolicyResource[]): Map<string, PolicyResource> {
  const byName = new Map<string, PolicyResource>();
  for (const resource of resources.filter((r) => r.type === NAMESPACE_TYPE)) {
    const name = whenKnown(() => asObject(resource.props.metadata).name);
    if (typeof name === "string" && name !== "") byName.set(name, resource);
  }
  return byName;
}
