import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import {
  deployKeySecret,
  FLUX_NAMESPACE,
  FLUX_VERSION,
  fluxInstallFile,
  FluxInstallSource,
  FluxSyncSettings,
  fluxSyncProblems,
  gitRepository,
  knownHostsProblems,
  rootKustomization,
} from "./objects";

/** Arguments of {@link Flux}. */
export interface FluxArgs {
  /**
   * Where Flux's `install.yaml` comes from (components/kubernetes/flux/objects.ts, docs/lab.md "GitOps").
   * @default { kind: "release", version: FLUX_VERSION }
   */
  readonly install?: FluxInstallSource;
  /** The group's GitOps repository, `ssh://git@<host>/<group>/<repo>.git`. */
  readonly repositoryUrl: string;
  /**
   * Branch Flux follows.
   * @default "main"
   */
  readonly branch?: string;
  /** The cluster's root in the repository, e.g. `./clusters/lab`. */
  readonly path: string;
  /** The deploy key's private key, OpenSSH PEM (a secret from the `group` stack). */
  readonly deployKeyPrivateKey: pulumi.Input<string>;
  /** `known_hosts` lines of the Git server (from config, checked out of band; never fetched blindly). */
  readonly knownHosts: string;
  /**
   * How often the repository is fetched.
   * @default "1m"
   */
  readonly syncInterval?: string;
  /**
   * How often the root Kustomization is reconciled.
   * @default "10m"
   */
  readonly reconcileInterval?: string;
}

/**
 * Flux on the cluster: the controllers from a pinned release's `install.yaml`, the deploy-key
 * Secret, a `GitRepository` on the group's GitOps repository over SSH and the root `Kustomization`. Pulumi owns
 * these; Flux owns everything the repository describes (docs/lab.md). Pass the cluster's Kubernetes provider, which
 * waits for the API health gate.
 */
export class Flux extends pulumi.ComponentResource {
  /** Flux's namespace. */
  readonly namespace: pulumi.Output<string>;
  /** The `install.yaml` that was applied (URL or vendored path). */
  readonly installFile: pulumi.Output<string>;
  /** Name of the root GitRepository and Kustomization. */
  readonly rootName: pulumi.Output<string>;

  constructor(name: string, args: FluxArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:kubernetes:Flux", name, {}, opts);
    const settings: FluxSyncSettings = {
      url: args.repositoryUrl,
      branch: args.branch ?? "main",
      path: args.path,
      syncInterval: args.syncInterval ?? "1m",
      reconcileInterval: args.reconcileInterval ?? "10m",
    };
    const problems = [...fluxSyncProblems(settings), ...knownHostsProblems(args.knownHosts)];
    if (problems.length > 0) throw new pulumi.ResourceError(`Flux '${name}': ${problems.join("; ")}`, this);
    let file: string;
    try {
      file = fluxInstallFile(args.install ?? { kind: "release", version: FLUX_VERSION }, (path) => readFileSync(path));
    } catch (error) {
      throw new pulumi.ResourceError(`Flux '${name}': ${(error as Error).message}`, this);
    }

    // The manifest creates the namespace, the CRDs and the controllers; everything below waits for all of it.
    const install = new kubernetes.yaml.v2.ConfigFile(`${name}-install`, { file }, { parent: this });
    const secret = deployKeySecret(pulumi.secret(args.deployKeyPrivateKey), args.knownHosts);
    const deployKey = new kubernetes.core.v1.Secret(
      `${name}-deploy-key`,
      { metadata: secret.metadata, type: secret.type, stringData: secret.stringData },
      { parent: this, dependsOn: [install] },
    );
    const repository = gitRepository(settings);
    const source = new kubernetes.apiextensions.CustomResource(
      `${name}-git-repository`,
      { ...repository },
      { parent: this, dependsOn: [install, deployKey] },
    );
    const kustomization = rootKustomization(settings);
    new kubernetes.apiextensions.CustomResource(
      `${name}-kustomization`,
      { ...kustomization },
      { parent: this, dependsOn: [install, source] },
    );

    this.namespace = pulumi.output(FLUX_NAMESPACE);
    this.installFile = pulumi.output(file);
    this.rootName = pulumi.output(repository.metadata.name);
    this.registerOutputs({ namespace: this.namespace, installFile: this.installFile, rootName: this.rootName });
  }
}
