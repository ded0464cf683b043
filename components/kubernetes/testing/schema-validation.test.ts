import { isBuiltInApiVersion, validateObjects } from "./schema-validation";

describe("validateObjects", () => {
  it("accepts a valid object and names the model that checked it", () => {
    const [result] = validateObjects([{ apiVersion: "v1", kind: "Namespace", metadata: { name: "ok" } }]);
    expect(result).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      name: "ok",
      model: "kubernetes-models/v1/Namespace",
      errors: null,
    });
  });

  it("reports schema errors of an invalid object", () => {
    const invalid = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "bad" },
      spec: { template: { spec: { containers: [{ name: 1 }] } } },
    };
    const [result] = validateObjects([invalid]);
    expect(result.model).toBe("kubernetes-models/apps/v1/Deployment");
    expect(result.errors).toBe(
      "data/spec must have required property selector, data/spec/template/spec/containers/0/name must be string",
    );
  });

  it("leaves custom resources without an installed model unchecked", () => {
    const [result] = validateObjects([
      { apiVersion: "metallb.io/v1beta1", kind: "IPAddressPool", metadata: { name: "p" } },
    ]);
    expect(result).toMatchObject({ model: null, errors: null });
  });

  it.each([
    ["v1", true],
    ["apps/v1", true],
    ["policy/v1", true],
    ["networking.k8s.io/v1", true],
    ["cert-manager.io/v1", false],
    ["external-secrets.io/v1", false],
  ])("isBuiltInApiVersion(%s) is %s", (apiVersion, builtIn) => {
    expect(isBuiltInApiVersion(apiVersion)).toBe(builtIn);
  });
});
