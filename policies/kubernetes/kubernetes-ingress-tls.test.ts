import { runResourcePolicy, UNKNOWN } from "../testing";
import { kubernetesIngressTls } from "./kubernetes-ingress-tls";

const rules = (...hosts: string[]) => hosts.map((host) => ({ host, http: { paths: [] } }));
const run = (spec: Record<string, unknown>) =>
  runResourcePolicy(kubernetesIngressTls, {
    type: "kubernetes:networking.k8s.io/v1:Ingress",
    name: "eve-ingress",
    props: { metadata: { name: "eve", namespace: "eve" }, spec },
  });

describe("kubernetes-ingress-tls", () => {
  it("passes TLS for every host", async () => {
    expect(
      await run({
        rules: rules("eve.lab.example.com"),
        tls: [{ hosts: ["eve.lab.example.com"], secretName: "eve-tls" }],
      }),
    ).toEqual([]);
  });

  it("fails an Ingress without TLS", async () => {
    expect(await run({ rules: rules("eve.lab.example.com") })).toEqual([
      "Ingress eve/eve has no spec.tls; add an entry with its hosts and a secretName",
    ]);
  });

  it("fails hosts the TLS entries leave out", async () => {
    const spec = {
      rules: rules("eve.lab.example.com", "api.lab.example.com", "www.lab.example.com"),
      tls: [{ hosts: ["eve.lab.example.com"], secretName: "eve-tls" }],
    };
    expect(await run(spec)).toEqual([
      "Ingress eve/eve serves api.lab.example.com, www.lab.example.com without TLS; add them to spec.tls[].hosts",
    ]);
  });

  it("skips a host unknown at preview", async () => {
    expect(await run({ rules: rules(UNKNOWN), tls: [{ hosts: ["eve.lab.example.com"] }] })).toEqual([]);
  });
});
