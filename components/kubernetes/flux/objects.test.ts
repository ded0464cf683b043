import { createHash } from "node:crypto";
import { stringify } from "yaml";
import {
  deployKeySecret,
  FLUX_VERSION,
  fluxInstallFile,
  fluxInstallUrl,
  FluxSyncSettings,
  fluxSyncProblems,
  gitRepository,
  knownHostsProblems,
  rootKustomization,
} from "./objects";

const SETTINGS: FluxSyncSettings = {
  url: "ssh://git@gitlab.com/acme/gitops.git",
  branch: "main",
  path: "./clusters/lab",
  syncInterval: "1m",
  reconcileInterval: "10m",
};
const KNOWN_HOSTS = "gitlab.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfuCHKVTjquxvt6CM6tdG4SLp1Btn/nOeHHE5UOzRdf";

describe("Flux objects", () => {
  it("renders the GitRepository and the root Kustomization as the v1 APIs define them", () => {
    expect(gitRepository(SETTINGS)).toEqual({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "flux-system", namespace: "flux-system" },
      spec: {
        interval: "1m",
        url: "ssh://git@gitlab.com/acme/gitops.git",
        ref: { branch: "main" },
        secretRef: { name: "flux-system" },
      },
    });
    expect(rootKustomization(SETTINGS)).toEqual({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "flux-system", namespace: "flux-system" },
      spec: {
        interval: "10m",
        path: "./clusters/lab",
        prune: true,
        timeout: "5m",
        sourceRef: { kind: "GitRepository", name: "flux-system" },
      },
    });
  });

  it("renders the deploy-key Secret with identity and known_hosts, newline-terminated", () => {
    const secret = deployKeySecret(
      "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n",
      KNOWN_HOSTS,
    );
    expect(secret).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "flux-system", namespace: "flux-system", labels: { "app.kubernetes.io/managed-by": "pulumi" } },
      type: "Opaque",
      stringData: {
        identity: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n",
        known_hosts: `${KNOWN_HOSTS}\n`,
      },
    });
  });

  it.each<[string, Partial<FluxSyncSettings>, string[]]>([
    ["the defaults", {}, []],
    ["a port in the URL", { url: "ssh://git@gitlab.example.com:2222/acme/gitops.git" }, []],
    [
      "the scp-like URL",
      { url: "git@gitlab.com:acme/gitops.git" },
      [
        "repositoryUrl 'git@gitlab.com:acme/gitops.git' is the scp-like form, which Flux does not support; write it ssh://git@<host>/<group>/<repo>.git",
      ],
    ],
    [
      "an https URL",
      { url: "https://gitlab.com/acme/gitops.git" },
      [
        "repositoryUrl 'https://gitlab.com/acme/gitops.git' must be ssh://git@<host>/<group>/<repo>.git (the deploy key is SSH)",
      ],
    ],
    [
      "a path outside the repository",
      { path: "clusters/../../etc" },
      ["path 'clusters/../../etc' must be a path inside the repository starting with ./, e.g. ./clusters/lab"],
    ],
    [
      "too eager a reconcile interval and a bad sync interval",
      { reconcileInterval: "30s", syncInterval: "often" },
      [
        "syncInterval 'often' must be a Go duration, e.g. 1m or 10m",
        "reconcileInterval '30s' is shorter than 60 s; Flux's controllers would be kept busy for nothing",
      ],
    ],
  ])("checks %s", (_case, overrides, problems) => {
    expect(fluxSyncProblems({ ...SETTINGS, ...overrides })).toEqual(problems);
  });

  it("insists on host keys in known_hosts", () => {
    expect(knownHostsProblems(`# gitlab.com\n${KNOWN_HOSTS}\n`)).toEqual([]);
    expect(knownHostsProblems("\n# nothing\n")).toEqual([
      "knownHosts is empty; give the Git server's host key lines (ssh-keyscan output, checked out of band)",
    ]);
    expect(knownHostsProblems("gitlab.com")).toEqual([
      "knownHosts line 'gitlab.com' is not '<host> <key-type> <base64-key>'",
    ]);
  });

  it("installs from the pinned release URL", () => {
    const read = jest.fn();
    expect(fluxInstallFile({ kind: "release", version: FLUX_VERSION }, read)).toBe(
      "https://github.com/fluxcd/flux2/releases/download/v2.8.5/install.yaml",
    );
    expect(read).not.toHaveBeenCalled();
    expect(() => fluxInstallUrl("latest")).toThrow("flux version 'latest' must be a release tag vX.Y.Z, e.g. v2.8.5");
  });

  it("installs a vendored manifest only when its digest matches the pin", () => {
    const manifest = Buffer.from(stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } }));
    const sha256 = createHash("sha256").update(manifest).digest("hex");
    const read = () => manifest;
    expect(fluxInstallFile({ kind: "vendored", path: "vendor/install.yaml", sha256 }, read)).toBe(
      "vendor/install.yaml",
    );
    expect(() =>
      fluxInstallFile({ kind: "vendored", path: "vendor/install.yaml", sha256: "0".repeat(64) }, read),
    ).toThrow(
      `install.path 'vendor/install.yaml' has SHA-256 ${sha256}, not the pinned ${"0".repeat(64)}; vendor the ` +
        "release's install.yaml again and check it against the release's checksums, or pin the new digest after review",
    );
    expect(() => fluxInstallFile({ kind: "vendored", path: "x", sha256: "ABC" }, read)).toThrow(
      "install.sha256 'ABC' must be the 64 lowercase hex digits of the file's SHA-256",
    );
    const empty = Buffer.from("# nothing here\n");
    const emptyDigest = createHash("sha256").update(empty).digest("hex");
    expect(() => fluxInstallFile({ kind: "vendored", path: "x", sha256: emptyDigest }, () => empty)).toThrow(
      "install.path 'x' holds no Kubernetes objects; vendor Flux's install.yaml there",
    );
  });
});
