import * as pulumi from "@pulumi/pulumi";
import { withoutStackTraces } from "../../tools/plan/testing";

/** One registration seen by the mocks, with the options the transformation saw. */
interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  protect?: boolean;
  parent?: pulumi.Resource;
}

const registered = new Map<string, Registered>();

/** Deterministic stand-ins for what the tls and random providers return, shaped by the inputs. */
function mockState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "tls:index/privateKey:PrivateKey":
      return { ...inputs, privateKeyPem: `-----BEGIN ${name} KEY-----\n` };
    case "tls:index/selfSignedCert:SelfSignedCert":
      return { ...inputs, certPem: `-----BEGIN ${name} CERTIFICATE-----\n` };
    case "random:index/randomString:RandomString": {
      let alphabet = "";
      if (inputs.lower !== false) alphabet += "abcdefghijklmnopqrstuvwxyz";
      if (inputs.upper !== false) alphabet += "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
      if (inputs.numeric !== false) alphabet += "0123456789";
      if (inputs.special !== false) alphabet += "!@#$%&*()-_=+[]{}<>:?";
      const length = inputs.length as number;
      const result = Array.from({ length }, (_, i) => alphabet[(i * 7 + 25) % alphabet.length]).join("");
      return { ...inputs, result };
    }
    case "random:index/randomBytes:RandomBytes": {
      // 0xfb bytes encode to '+' and '/' in standard base64, so the URL-safe rewrite is observable.
      const bytes = Buffer.alloc(inputs.length as number, 0xfb);
      return { ...inputs, base64: bytes.toString("base64"), hex: bytes.toString("hex") };
    }
    default:
      return inputs;
  }
}

withoutStackTraces();
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      const entry = registered.get(args.name) ?? { type: args.type, name: args.name, inputs: {} };
      registered.set(args.name, { ...entry, type: args.type, inputs: args.inputs });
      return { id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs) };
    },
    call: (args) => args.inputs,
  },
  "foundation",
  "lab",
  false,
);

/** Records each child's own options as the SDK sees them, before any inheritance from the parent. */
const recordOptions: pulumi.ResourceTransformation = ({ type, name, opts }) => {
  registered.set(name, { type, name, inputs: {}, protect: opts.protect, parent: opts.parent });
  return undefined;
};

/** How a secret input reaches the mocks: the key PEMs are secret outputs of the tls provider. */
function secretValue(value: unknown) {
  return { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value };
}

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

async function makeSecrets(opts: pulumi.ComponentResourceOptions = {}, args = {}) {
  registered.clear();
  const { TalosSecrets } = await import("./secrets");
  const secrets = new TalosSecrets("talos", args, { transformations: [recordOptions], ...opts });
  component = secrets;
  const bundle = await promiseOf(secrets.bundle);
  return { secrets, bundle };
}

let component: pulumi.Resource | undefined;
const children = () => [...registered.values()].filter((r) => r.parent !== undefined && r.parent === component);

describe("TalosSecrets", () => {
  it("registers exactly the keys, CAs and random values Talos generates, under the component", async () => {
    await makeSecrets();
    expect(registered.get("talos")?.type).toBe("foundation:talos:Secrets");
    expect(
      children()
        .map((r) => `${r.type}::${r.name}`)
        .sort(),
    ).toEqual(
      [
        "tls:index/privateKey:PrivateKey::talos-os-ca-key",
        "tls:index/selfSignedCert:SelfSignedCert::talos-os-ca",
        "tls:index/privateKey:PrivateKey::talos-kubernetes-ca-key",
        "tls:index/selfSignedCert:SelfSignedCert::talos-kubernetes-ca",
        "tls:index/privateKey:PrivateKey::talos-etcd-ca-key",
        "tls:index/selfSignedCert:SelfSignedCert::talos-etcd-ca",
        "tls:index/privateKey:PrivateKey::talos-aggregator-ca-key",
        "tls:index/selfSignedCert:SelfSignedCert::talos-aggregator-ca",
        "tls:index/privateKey:PrivateKey::talos-service-account-key",
        "random:index/randomString:RandomString::talos-bootstrap-token-id",
        "random:index/randomString:RandomString::talos-bootstrap-token-secret",
        "random:index/randomString:RandomString::talos-machine-token-id",
        "random:index/randomString:RandomString::talos-machine-token-secret",
        "random:index/randomBytes:RandomBytes::talos-cluster-id",
        "random:index/randomBytes:RandomBytes::talos-cluster-secret",
        "random:index/randomBytes:RandomBytes::talos-secretbox-secret",
      ].sort(),
    );
  });

  it.each([
    ["talos-os-ca-key", { algorithm: "ED25519" }],
    ["talos-kubernetes-ca-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }],
    ["talos-etcd-ca-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }],
    ["talos-aggregator-ca-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }],
    ["talos-service-account-key", { algorithm: "RSA", rsaBits: 4096 }],
  ])("makes %s with the key type Talos uses", async (name, expected) => {
    await makeSecrets();
    expect(registered.get(name)?.inputs).toEqual(expected);
  });

  it.each([
    ["talos-os-ca", "talos-os-ca-key", { organization: "talos" }],
    ["talos-kubernetes-ca", "talos-kubernetes-ca-key", { organization: "kubernetes" }],
    ["talos-etcd-ca", "talos-etcd-ca-key", { organization: "etcd" }],
    ["talos-aggregator-ca", "talos-aggregator-ca-key", undefined],
  ])("self-signs %s as a ten-year CA with Talos's key usages", async (name, keyName, subject) => {
    await makeSecrets();
    const inputs = registered.get(name)?.inputs;
    expect(inputs).toEqual({
      privateKeyPem: secretValue(`-----BEGIN ${keyName} KEY-----\n`),
      isCaCertificate: true,
      setSubjectKeyId: true,
      validityPeriodHours: 87600,
      allowedUses: ["cert_signing", "digital_signature", "server_auth", "client_auth"],
      ...(subject === undefined ? {} : { subject }),
    });
  });

  it("passes a custom CA validity to all four CAs", async () => {
    await makeSecrets({}, { caValidityHours: 43800 });
    const validity = children()
      .filter((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert")
      .map((r) => r.inputs.validityPeriodHours);
    expect(validity).toEqual([43800, 43800, 43800, 43800]);
  });

  it.each([0, -1, 1.5])("rejects caValidityHours %p with a message naming the argument", async (hours) => {
    const { TalosSecrets } = await import("./secrets");
    expect(() => new TalosSecrets("bad", { caValidityHours: hours })).toThrow(
      `TalosSecrets 'bad': caValidityHours must be a positive whole number of hours, got ${hours}; ` +
        "leave it unset for Talos's ten years (87600)",
    );
  });

  it("draws token parts from lowercase letters and digits only, 6 and 16 long", async () => {
    await makeSecrets();
    for (const token of ["bootstrap-token", "machine-token"]) {
      expect(registered.get(`talos-${token}-id`)?.inputs).toEqual({
        length: 6,
        lower: true,
        numeric: true,
        upper: false,
        special: false,
      });
      expect(registered.get(`talos-${token}-secret`)?.inputs).toMatchObject({ length: 16, upper: false });
    }
  });

  it("draws 32 random bytes for the cluster id, cluster secret and secretbox key", async () => {
    await makeSecrets();
    for (const name of ["talos-cluster-id", "talos-cluster-secret", "talos-secretbox-secret"]) {
      expect(registered.get(name)?.inputs).toEqual({ length: 32 });
    }
  });

  it("protects every child even when the caller passes protect: false to the component", async () => {
    for (const opts of [{}, { protect: false }]) {
      await makeSecrets(opts);
      const flags = children().map((r) => [r.name, r.protect]);
      expect(flags).toHaveLength(16);
      expect(flags.filter(([, protect]) => protect !== true)).toEqual([]);
    }
  });

  it("emits tokens and random values in Talos's formats", async () => {
    const { bundle } = await makeSecrets();
    expect(bundle.bootstrapToken).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(bundle.machineToken).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    // URL-safe alphabet for the id, standard alphabet for the AES and secretbox keys; all decode to 32 bytes.
    expect(bundle.clusterId).toBe(Buffer.alloc(32, 0xfb).toString("base64url") + "=");
    expect(bundle.clusterSecret).toBe(Buffer.alloc(32, 0xfb).toString("base64"));
    expect(Buffer.from(bundle.secretboxEncryptionSecret, "base64")).toHaveLength(32);
    expect(bundle.osCa).toEqual({
      certPem: "-----BEGIN talos-os-ca CERTIFICATE-----\n",
      keyPem: "-----BEGIN talos-os-ca-key KEY-----\n",
    });
    expect(bundle.serviceAccountKeyPem).toBe("-----BEGIN talos-service-account-key KEY-----\n");
    expect(bundle.aggregatorCa.certPem).toBe("-----BEGIN talos-aggregator-ca CERTIFICATE-----\n");
    expect(bundle.etcdCa.keyPem).toBe("-----BEGIN talos-etcd-ca-key KEY-----\n");
  });

  it("marks every output secret", async () => {
    const { secrets } = await makeSecrets();
    const outputs: Record<string, pulumi.Output<unknown>> = {
      clusterId: secrets.clusterId,
      clusterSecret: secrets.clusterSecret,
      bootstrapToken: secrets.bootstrapToken,
      machineToken: secrets.machineToken,
      secretboxEncryptionSecret: secrets.secretboxEncryptionSecret,
      osCaCertPem: secrets.osCaCertPem,
      osCaKeyPem: secrets.osCaKeyPem,
      kubernetesCaCertPem: secrets.kubernetesCaCertPem,
      kubernetesCaKeyPem: secrets.kubernetesCaKeyPem,
      bundle: secrets.bundle,
    };
    const flags = await Promise.all(
      Object.entries(outputs).map(async ([key, output]) => [key, await pulumi.isSecret(output)]),
    );
    expect(flags.filter(([, secret]) => secret !== true)).toEqual([]);
  });
});
