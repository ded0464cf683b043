import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { record } from "../../../tools/plan/testing";
import { Flux, FluxArgs } from "./flux";

const KNOWN_HOSTS = "gitlab.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfuCHKVTjquxvt6CM6tdG4SLp1Btn/nOeHHE5UOzRdf";
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nplan\n-----END OPENSSH PRIVATE KEY-----\n";
const ARGS: FluxArgs = {
  repositoryUrl: "ssh://git@gitlab.com/acme/gitops.git",
  path: "./clusters/lab",
  deployKeyPrivateKey: pulumi.secret(KEY),
  knownHosts: KNOWN_HOSTS,
};

const recordFlux = (overrides: Partial<FluxArgs> = {}) =>
  record(() => {
    new Flux("flux", { ...ARGS, ...overrides }, { provider: new kubernetes.Provider("k8s", {}) });
  });

describe("Flux", () => {
  it("installs the pinned release, then the deploy key, the GitRepository and the root Kustomization", async () => {
    const rec = await recordFlux();
    expect(rec.summary().sort()).toEqual([
      "foundation:kubernetes:Flux::flux",
      "kubernetes:core/v1:Secret::flux-deploy-key",
      "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization::flux-kustomization",
      "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository::flux-git-repository",
      "kubernetes:yaml/v2:ConfigFile::flux-install",
      "pulumi:providers:kubernetes::k8s",
      "pulumi:pulumi:Stack::foundation-test",
    ]);
    expect(rec.inputsOf("flux-install")).toEqual({
      file: "https://github.com/fluxcd/flux2/releases/download/v2.8.5/install.yaml",
    });
    const install = rec.named("flux-install").urn;
    const deployKey = rec.named("flux-deploy-key");
    const source = rec.named("flux-git-repository");
    const kustomization = rec.named("flux-kustomization");
    expect(deployKey.dependencies).toContain(install);
    expect(source.dependencies).toEqual(expect.arrayContaining([install, deployKey.urn]));
    expect(kustomization.dependencies).toEqual(expect.arrayContaining([install, source.urn]));
    expect(deployKey.provider).toBe("urn:pulumi:test::foundation::pulumi:providers:kubernetes::k8s");
  });

  it("keeps the deploy key secret and points the GitRepository at it", async () => {
    const rec = await recordFlux();
    expect(rec.isSecretInput("flux-deploy-key", "stringData")).toBe(true);
    expect(rec.inputsOf("flux-deploy-key")).toMatchObject({
      metadata: { name: "flux-system", namespace: "flux-system" },
      type: "Opaque",
      stringData: { identity: KEY, known_hosts: `${KNOWN_HOSTS}\n` },
    });
    expect(rec.inputsOf("flux-git-repository")).toMatchObject({
      spec: {
        url: "ssh://git@gitlab.com/acme/gitops.git",
        ref: { branch: "main" },
        secretRef: { name: "flux-system" },
      },
    });
    expect(rec.inputsOf("flux-kustomization")).toMatchObject({
      spec: { path: "./clusters/lab", prune: true, sourceRef: { kind: "GitRepository", name: "flux-system" } },
    });
  });

  it("refuses the scp-like URL and empty known_hosts, naming both", async () => {
    await expect(recordFlux({ repositoryUrl: "git@gitlab.com:acme/gitops.git", knownHosts: "" })).rejects.toThrow(
      "Flux 'flux': repositoryUrl 'git@gitlab.com:acme/gitops.git' is the scp-like form, which Flux does not " +
        "support; write it ssh://git@<host>/<group>/<repo>.git; knownHosts is empty; give the Git server's host key " +
        "lines (ssh-keyscan output, checked out of band)",
    );
  });

  it("refuses a vendored manifest whose file is missing", async () => {
    await expect(
      recordFlux({ install: { kind: "vendored", path: "/nonexistent/install.yaml", sha256: "a".repeat(64) } }),
    ).rejects.toThrow("Flux 'flux': ENOENT");
  });
});
