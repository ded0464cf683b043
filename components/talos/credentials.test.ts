import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { KubeconfigInput, renderKubeconfig, renderTalosconfig, TalosconfigInput } from "./credentials";
import { withoutStackTraces } from "../../tools/plan/testing";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered = new Map<string, Registered>();

withoutStackTraces();
pulumi.runtime.setMocks(
  {
    newResource: ({ type, name, inputs }) => {
      registered.set(name, { type, name, inputs });
      const state: Record<string, unknown> = { ...inputs };
      if (type === "tls:index/privateKey:PrivateKey") state.privateKeyPem = `${name} PEM\n`;
      if (type === "tls:index/certRequest:CertRequest") state.certRequestPem = `${name} PEM\n`;
      if (type === "tls:index/locallySignedCert:LocallySignedCert") state.certPem = `${name} PEM\n`;
      return { id: `${name}-id`, state };
    },
    call: (args) => args.inputs,
  },
  "foundation",
  "lab",
  false,
);

const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

const KUBECONFIG: KubeconfigInput = {
  clusterName: "lab",
  server: "https://192.168.10.10:6443",
  caCertPem: "-----BEGIN CERTIFICATE-----\nkubernetes-ca\n-----END CERTIFICATE-----\n",
  clientCertPem: "-----BEGIN CERTIFICATE-----\nadmin\n-----END CERTIFICATE-----\n",
  clientKeyPem: "-----BEGIN EC PRIVATE KEY-----\nadmin-key\n-----END EC PRIVATE KEY-----\n",
};

const TALOSCONFIG: TalosconfigInput = {
  context: "lab",
  endpoints: ["192.168.10.11", "192.168.10.12", "192.168.10.13"],
  nodes: [],
  caCertPem: "-----BEGIN CERTIFICATE-----\nos-ca\n-----END CERTIFICATE-----\n",
  clientCertPem: "-----BEGIN CERTIFICATE-----\nos-admin\n-----END CERTIFICATE-----\n",
  clientKeyPem: "-----BEGIN PRIVATE KEY-----\nos-admin-key\n-----END PRIVATE KEY-----\n",
};

describe("renderKubeconfig", () => {
  it.each([
    ["lab", "https://192.168.10.10:6443"],
    ["edge-2", "https://k8s.lab.example.com:6443"],
  ])("renders cluster %s at %s with admin@ names and inline data", (clusterName, server) => {
    const config = parse(renderKubeconfig({ ...KUBECONFIG, clusterName, server }));
    const user = `admin@${clusterName}`;
    expect(config).toEqual({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: clusterName, cluster: { server, "certificate-authority-data": expect.any(String) } }],
      users: [
        { name: user, user: { "client-certificate-data": expect.any(String), "client-key-data": expect.any(String) } },
      ],
      contexts: [{ name: user, context: { cluster: clusterName, namespace: "default", user } }],
      "current-context": user,
    });
    expect(decode(config.clusters[0].cluster["certificate-authority-data"])).toBe(KUBECONFIG.caCertPem);
    expect(decode(config.users[0].user["client-certificate-data"])).toBe(KUBECONFIG.clientCertPem);
    expect(decode(config.users[0].user["client-key-data"])).toBe(KUBECONFIG.clientKeyPem);
  });

  it.each(["http://192.168.10.10:6443", "https://192.168.10.10:6443/api", "192.168.10.10"])(
    "rejects server %s",
    (server) => {
      expect(() => renderKubeconfig({ ...KUBECONFIG, server })).toThrow(
        `kubeconfig server '${server}' must be https://<host>:<port> without a path`,
      );
    },
  );
});

describe("renderTalosconfig", () => {
  it.each([
    [[], undefined],
    [["192.168.10.11"], ["192.168.10.11"]],
  ])("renders one context with base64 PEMs, nodes %j", (nodes, expectedNodes) => {
    const config = parse(renderTalosconfig({ ...TALOSCONFIG, nodes }));
    expect(Object.keys(config)).toEqual(["context", "contexts"]);
    expect(config.context).toBe("lab");
    expect(Object.keys(config.contexts)).toEqual(["lab"]);
    const context = config.contexts.lab;
    expect(context.endpoints).toEqual(["192.168.10.11", "192.168.10.12", "192.168.10.13"]);
    expect(context.nodes).toEqual(expectedNodes);
    expect(decode(context.ca)).toBe(TALOSCONFIG.caCertPem);
    expect(decode(context.crt)).toBe(TALOSCONFIG.clientCertPem);
    expect(decode(context.key)).toBe(TALOSCONFIG.clientKeyPem);
  });

  it("rejects a context without endpoints", () => {
    expect(() => renderTalosconfig({ ...TALOSCONFIG, endpoints: [] })).toThrow(
      "talosconfig context 'lab': endpoints must name at least one control-plane node IP",
    );
  });
});

describe("TalosAdminCredentials", () => {
  const args = {
    clusterName: "lab",
    vip: "192.168.10.10",
    endpoints: ["192.168.10.11", "192.168.10.12"],
    osCaCertPem: pulumi.secret("os-ca cert PEM\n"),
    osCaKeyPem: pulumi.secret("os-ca key PEM\n"),
    kubernetesCaCertPem: pulumi.secret("kubernetes-ca cert PEM\n"),
    kubernetesCaKeyPem: pulumi.secret("kubernetes-ca key PEM\n"),
  };

  async function make(overrides: Record<string, unknown> = {}) {
    registered.clear();
    const { TalosAdminCredentials } = await import("./credentials");
    const credentials = new TalosAdminCredentials("talos-admin", { ...args, ...overrides });
    const outputs = {
      kubeconfig: credentials.kubeconfig,
      talosconfig: credentials.talosconfig,
      kubernetesClientCertPem: credentials.kubernetesClientCertPem,
      kubernetesClientKeyPem: credentials.kubernetesClientKeyPem,
      talosClientCertPem: credentials.talosClientCertPem,
      talosClientKeyPem: credentials.talosClientKeyPem,
    };
    const values = Object.fromEntries(
      await Promise.all(
        Object.entries(outputs).map(
          async ([key, output]) => [key, await new Promise<string>((resolve) => output.apply(resolve))] as const,
        ),
      ),
    );
    const secrets = Object.fromEntries(
      await Promise.all(Object.entries(outputs).map(async ([key, output]) => [key, await pulumi.isSecret(output)])),
    );
    return { values, secrets };
  }

  const plain = (value: unknown) =>
    typeof value === "object" && value !== null && "value" in value ? (value as { value: unknown }).value : value;

  it("registers a key, request and CA-signed certificate for each admin identity", async () => {
    await make();
    expect(registered.get("talos-admin")?.type).toBe("foundation:talos:AdminCredentials");
    expect(
      [...registered.values()]
        .filter((r) => r.name !== "talos-admin")
        .map((r) => `${r.type}::${r.name}`)
        .sort(),
    ).toEqual(
      [
        "tls:index/privateKey:PrivateKey::talos-admin-kubernetes-admin-key",
        "tls:index/certRequest:CertRequest::talos-admin-kubernetes-admin-csr",
        "tls:index/locallySignedCert:LocallySignedCert::talos-admin-kubernetes-admin-cert",
        "tls:index/privateKey:PrivateKey::talos-admin-talos-admin-key",
        "tls:index/certRequest:CertRequest::talos-admin-talos-admin-csr",
        "tls:index/locallySignedCert:LocallySignedCert::talos-admin-talos-admin-cert",
      ].sort(),
    );
  });

  it("makes the Kubernetes admin CN=admin O=system:masters, ECDSA P-256, signed by the Kubernetes CA for a year", async () => {
    await make();
    expect(registered.get("talos-admin-kubernetes-admin-key")?.inputs).toEqual({
      algorithm: "ECDSA",
      ecdsaCurve: "P256",
    });
    expect(registered.get("talos-admin-kubernetes-admin-csr")?.inputs.subject).toEqual({
      commonName: "admin",
      organization: "system:masters",
    });
    const cert = registered.get("talos-admin-kubernetes-admin-cert")!.inputs;
    expect(plain(cert.caCertPem)).toBe("kubernetes-ca cert PEM\n");
    expect(plain(cert.caPrivateKeyPem)).toBe("kubernetes-ca key PEM\n");
    expect(plain(cert.certRequestPem)).toBe("talos-admin-kubernetes-admin-csr PEM\n");
    expect(cert).toMatchObject({
      validityPeriodHours: 8760,
      earlyRenewalHours: 720,
      allowedUses: ["digital_signature", "key_encipherment", "client_auth"],
    });
  });

  it("makes the Talos admin O=os:admin, Ed25519, signed by the OS CA for a year", async () => {
    await make({ validityHours: 4380, earlyRenewalHours: 168 });
    expect(registered.get("talos-admin-talos-admin-key")?.inputs).toEqual({ algorithm: "ED25519" });
    expect(registered.get("talos-admin-talos-admin-csr")?.inputs.subject).toEqual({ organization: "os:admin" });
    const cert = registered.get("talos-admin-talos-admin-cert")!.inputs;
    expect(plain(cert.caCertPem)).toBe("os-ca cert PEM\n");
    expect(plain(cert.caPrivateKeyPem)).toBe("os-ca key PEM\n");
    expect(cert).toMatchObject({
      validityPeriodHours: 4380,
      earlyRenewalHours: 168,
      allowedUses: ["digital_signature", "client_auth"],
    });
  });

  it("renders the kubeconfig and talosconfig from the issued certificates, every output secret", async () => {
    const { values, secrets } = await make({ nodes: ["192.168.10.11"] });
    expect(Object.values(secrets)).toEqual([true, true, true, true, true, true]);
    const kubeconfig = parse(values.kubeconfig);
    expect(kubeconfig.clusters[0].cluster.server).toBe("https://192.168.10.10:6443");
    expect(decode(kubeconfig.clusters[0].cluster["certificate-authority-data"])).toBe("kubernetes-ca cert PEM\n");
    expect(decode(kubeconfig.users[0].user["client-certificate-data"])).toBe("talos-admin-kubernetes-admin-cert PEM\n");
    expect(decode(kubeconfig.users[0].user["client-key-data"])).toBe("talos-admin-kubernetes-admin-key PEM\n");
    const talosconfig = parse(values.talosconfig).contexts.lab;
    expect(talosconfig.endpoints).toEqual(["192.168.10.11", "192.168.10.12"]);
    expect(talosconfig.nodes).toEqual(["192.168.10.11"]);
    expect(decode(talosconfig.ca)).toBe("os-ca cert PEM\n");
    expect(decode(talosconfig.crt)).toBe("talos-admin-talos-admin-cert PEM\n");
    expect(decode(talosconfig.key)).toBe("talos-admin-talos-admin-key PEM\n");
    expect(values.talosClientKeyPem).toBe("talos-admin-talos-admin-key PEM\n");
  });

  it.each([
    [{ clusterName: "Lab" }, "clusterName 'Lab' must be a lowercase DNS label, the same name the machine configs use"],
    [{ validityHours: 8760.5 }, "validityHours and earlyRenewalHours must be whole numbers of hours"],
    [{ earlyRenewalHours: -1 }, "validityHours and earlyRenewalHours must be whole numbers of hours"],
    [
      { validityHours: 720 },
      "earlyRenewalHours (720) must be less than validityHours (720), or every run re-issues the certificates",
    ],
  ])("rejects %j", async (overrides, message) => {
    const { TalosAdminCredentials } = await import("./credentials");
    expect(() => new TalosAdminCredentials("bad", { ...args, ...overrides })).toThrow(
      `TalosAdminCredentials 'bad': ${message}`,
    );
  });
});
