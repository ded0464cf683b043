import { parse } from "yaml";
import { fluxSyncProblems } from "./objects";
import { renderGitopsSeed } from "./seed";

describe("renderGitopsSeed", () => {
  it.each([
    ["./clusters/lab", ["clusters/lab/kustomization.yaml", "clusters/lab/apps/kustomization.yaml"]],
    ["./lab", ["lab/kustomization.yaml", "lab/apps/kustomization.yaml"]],
  ])("seeds %s with a kustomization that includes an empty apps/ directory", (path, files) => {
    const seed = renderGitopsSeed({ path });
    expect(Object.keys(seed)).toEqual(files);
    expect(parse(seed[files[0]])).toEqual({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: ["apps"],
    });
    expect(parse(seed[files[1]])).toEqual({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: [],
    });
  });

  it("writes the files byte for byte as kustomize reads them", () => {
    expect(renderGitopsSeed({ path: "./clusters/lab" })["clusters/lab/kustomization.yaml"]).toBe(
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - apps\n",
    );
  });

  it("accepts every path the root Kustomization accepts, and seeds nothing of Flux itself", () => {
    const path = "./clusters/lab";
    expect(
      fluxSyncProblems({
        url: "ssh://git@gitlab.com/g/r.git",
        branch: "main",
        path,
        syncInterval: "1m",
        reconcileInterval: "10m",
      }),
    ).toEqual([]);
    const contents = Object.values(renderGitopsSeed({ path })).join("\n");
    expect(contents).not.toMatch(/GitRepository|toolkit\.fluxcd\.io|flux-system/);
  });

  it.each([["clusters/lab"], ["./clusters/../lab"], ["./"], ["./clusters/lab/"]])("refuses the path %s", (path) => {
    expect(() => renderGitopsSeed({ path })).toThrow(
      `GitOps seed: path '${path}' must be a directory inside the repository starting with ./, e.g. ./clusters/lab`,
    );
  });
});
