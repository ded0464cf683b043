/**
 * Test support: checks rendered Kubernetes objects against the Kubernetes API schemas (kubernetes-models) and custom
 * resources against their CRD models where a typed model package is installed.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import type { Recording } from "../../../tools/plan/testing";

/** The verdict on one object. */
export interface ObjectValidation {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** The model module that checked the object, or null when no model of its kind is installed. */
  readonly model: string | null;
  /** The schema errors, or null when the object is valid (or unchecked). */
  readonly errors: string | null;
}

/** A Kubernetes object as rendered: at least its type and name. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string };
}

const SCRIPT = path.join(__dirname, "validate-objects.mjs");

/**
 * Validates `objects` in a child Node process (kubernetes-models is ESM-only; see validate-objects.mjs). Built-in
 * kinds always have a model; custom resources have one when their `@kubernetes-models/*` package is installed.
 */
export function validateObjects(objects: readonly KubernetesObject[]): ObjectValidation[] {
  const output = execFileSync(process.execPath, [SCRIPT], {
    input: JSON.stringify(objects),
    encoding: "utf8",
    cwd: path.join(__dirname, "..", "..", ".."),
  });
  const verdicts = JSON.parse(output) as { model: string | null; errors: string | null }[];
  return objects.map((object, i) => ({
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata?.name ?? "",
    ...verdicts[i],
  }));
}

/** True for API groups Kubernetes itself serves (core and `*.k8s.io` plus the classic unsuffixed groups). */
export function isBuiltInApiVersion(apiVersion: string): boolean {
  if (!apiVersion.includes("/")) return true;
  const group = apiVersion.split("/")[0];
  return group.endsWith(".k8s.io") || ["apps", "batch", "policy", "autoscaling"].includes(group);
}

/**
 * Every Kubernetes object a recorded program registered (Helm releases excepted: Helm renders those at deploy
 * time), with secrets revealed, as the provider would send it to the API server.
 */
export function recordedObjects(rec: Recording): KubernetesObject[] {
  return rec.resources
    .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/"))
    .map((r) => rec.inputsOf(r.name, r.type) as unknown as KubernetesObject);
}
