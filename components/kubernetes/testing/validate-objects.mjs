/**
 * Validates Kubernetes objects against the API schemas of kubernetes-models. Reads a JSON array of objects on
 * standard input and writes one result per object on standard output. kubernetes-models ships ES modules only
 * (its package exports have an `import` condition and no `require`), which Jest's CommonJS runtime cannot load, so
 * schema-validation.ts runs this file in a plain Node process.
 */
import { readFileSync } from "node:fs";

/** Packages with typed models of custom resources, by API group; absent packages leave their objects unchecked. */
const CRD_MODEL_PACKAGES = {
  "cert-manager.io": "@kubernetes-models/cert-manager",
  "acme.cert-manager.io": "@kubernetes-models/cert-manager",
  "external-secrets.io": "@kubernetes-models/external-secrets",
  "source.toolkit.fluxcd.io": "@kubernetes-models/flux-cd",
  "kustomize.toolkit.fluxcd.io": "@kubernetes-models/flux-cd",
};

const NOT_INSTALLED = new Set(["ERR_MODULE_NOT_FOUND", "ERR_PACKAGE_PATH_NOT_EXPORTED"]);

function modelSpecifier(apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  if (slash < 0) return `kubernetes-models/${apiVersion}/${kind}`;
  const group = apiVersion.slice(0, slash);
  const pkg = CRD_MODEL_PACKAGES[group] ?? "kubernetes-models";
  return `${pkg}/${apiVersion}/${kind}`;
}

const objects = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const object of objects) {
  const specifier = modelSpecifier(object.apiVersion, object.kind);
  let Model;
  try {
    Model = (await import(specifier))[object.kind];
  } catch (error) {
    if (!NOT_INSTALLED.has(error.code)) throw error;
  }
  if (Model === undefined) {
    results.push({ model: null, errors: null });
    continue;
  }
  try {
    new Model(object).validate();
    results.push({ model: specifier, errors: null });
  } catch (error) {
    results.push({ model: specifier, errors: error.message });
  }
}
process.stdout.write(JSON.stringify(results));
