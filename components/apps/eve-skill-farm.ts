import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IService } from "kubernetes-models/v1/Service";
import {
  ContainerResources,
  createNetworkPolicy,
  defaultDenyPolicySpec,
  namespaceSpec,
  requireDnsLabel,
  resourceRequirements,
  resources,
} from "../kubernetes/platform/common";
import { imagePinProblem as pinProblemOf, isDigestPinnedImage } from "../common/validation";

/** Arguments of {@link EveSkillFarm}. */
export interface EveSkillFarmArgs {
  /** The application's host name under the lab domain, e.g. `eve.lab.example.com`; ExternalDNS publishes it. */
  readonly host: string;
  /**
   * Container image pinned by tag or digest (`registry/eve-skill-farm:1.4.2`, `registry/eve-skill-farm@sha256:…`);
   * `latest` and untagged images are refused.
   */
  readonly image: string;
  /**
   * Pods. More than one needs a volume several nodes can mount (`volumeAccessMode: ReadWriteMany`) and gets a
   * PodDisruptionBudget. @default 1
   */
  readonly replicas?: number;
  /** IngressClass of the ingress controller (`lab` output `ingressClassName`). */
  readonly ingressClassName: pulumi.Input<string>;
  /** StorageClass of the data volume (`lab` output `storageClassName`). */
  readonly storageClassName: pulumi.Input<string>;
  /** ClusterSecretStore the credentials come from (`lab` output `clusterSecretStoreName`). */
  readonly clusterSecretStoreName: pulumi.Input<string>;
  /** ClusterIssuer of the TLS certificate (`lab` output `clusterIssuerName`). */
  readonly clusterIssuerName: pulumi.Input<string>;
  /** Namespace of the ingress controller: the only namespace the NetworkPolicy admits. */
  readonly ingressNamespace: pulumi.Input<string>;
  /** Labels of the ingress controller's pods: the only pods the NetworkPolicy admits. */
  readonly ingressPodLabels: pulumi.Input<Record<string, string>>;
  /** Secrets Manager prefix of the lab's secrets (`aws` output `labSecretsPrefix`), ending in `/`. */
  readonly secretsPrefix: string;
  /** Name of the application's secret under the prefix. @default "eve-skill-farm/credentials" */
  readonly secretName?: string;
  /** Namespace of the application. @default "eve-skill-farm" */
  readonly namespace?: string;
  /** Port the container listens on. @default 8080 */
  readonly containerPort?: number;
  /** Health endpoint for the probes and the smoke check. @default "/healthz" */
  readonly healthPath?: string;
  /** Size of the data volume. @default "1Gi" */
  readonly storageSize?: string;
  /** Access mode of the data volume. @default "ReadWriteOnce" */
  readonly volumeAccessMode?: "ReadWriteOnce" | "ReadWriteMany";
  /** Requests and limits of the container. @default 50m/128Mi requested, 500m/256Mi limit */
  readonly resources?: ContainerResources;
  /** Numeric user and group the container runs as (non-root). @default 10001 */
  readonly runAsUser?: number;
  /** Plain environment variables of the container, by name. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Environment variables whose values come from Secrets Manager secrets under `secretsPrefix`, through one
   * ExternalSecret (`<app>-env`), by name. @default {}
   */
  readonly secretEnv?: Readonly<Record<string, SecretEnvSource>>;
  /**
   * Credentials of the registries the image is pulled from (a `kubernetes.io/dockerconfigjson` Secret the pods use
   * as their image pull secret); none for a public image. @default []
   */
  readonly registries?: readonly RegistryCredential[];
}

/** Where one secret environment variable comes from: a Secrets Manager secret under the prefix, and a JSON property. */
export interface SecretEnvSource {
  /** The secret's name under the prefix, e.g. `eve-skill-farm/database`. */
  readonly secret: string;
  /** The JSON property of the secret's value; unset for the whole value. */
  readonly property?: string;
}

/** A registry's pull credentials: a GitLab deploy token with `read_registry`, say. */
export interface RegistryCredential {
  /** Registry host (and port), e.g. `registry.example.com`. */
  readonly server: string;
  /** The token's user name. */
  readonly username: string;
  /** The token (a Pulumi secret end to end). */
  readonly token: pulumi.Input<string>;
}

/** An `ExternalSecret` (external-secrets.io/v1) that copies one Secrets Manager secret into a Kubernetes Secret. */
export interface ExternalSecret {
  readonly apiVersion: "external-secrets.io/v1";
  readonly kind: "ExternalSecret";
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };
  readonly spec: {
    readonly refreshInterval: string;
    readonly secretStoreRef: { readonly kind: "ClusterSecretStore"; readonly name: string };
    readonly target: { readonly name: string; readonly creationPolicy: "Owner" };
    readonly dataFrom?: { readonly extract: { readonly key: string } }[];
    readonly data?: {
      readonly secretKey: string;
      readonly remoteRef: { readonly key: string; readonly property?: string };
    }[];
  };
}

/** Plain, validated inputs of {@link renderEveSkillFarm}. */
export interface EveSkillFarmInput {
  readonly namespace: string;
  readonly host: string;
  readonly image: string;
  readonly replicas: number;
  readonly containerPort: number;
  readonly healthPath: string;
  readonly storageSize: string;
  readonly volumeAccessMode: "ReadWriteOnce" | "ReadWriteMany";
  readonly resources: ContainerResources;
  readonly runAsUser: number;
  readonly ingressClassName: string;
  readonly storageClassName: string;
  readonly clusterSecretStoreName: string;
  readonly clusterIssuerName: string;
  readonly ingressNamespace: string;
  readonly ingressPodLabels: Record<string, string>;
  readonly secretKey: string;
  /** Plain environment variables. */
  readonly env: Readonly<Record<string, string>>;
  /** Secret environment variables, with the full Secrets Manager key of each. */
  readonly secretEnv: Readonly<Record<string, { readonly key: string; readonly property?: string }>>;
  /** Whether the pods use the registry pull secret. */
  readonly pullSecret: boolean;
}

/** Every object of the application. */
export interface EveSkillFarmObjects {
  readonly namespace: INamespace;
  readonly persistentVolumeClaim: IPersistentVolumeClaim;
  readonly externalSecret: ExternalSecret;
  readonly deployment: IDeployment;
  readonly service: IService;
  readonly ingress: IIngress;
  readonly networkPolicy: INetworkPolicy;
  /** Present when there are secret environment variables. */
  readonly envExternalSecret?: ExternalSecret;
  /** Present when replicas > 1. */
  readonly podDisruptionBudget?: IPodDisruptionBudget;
}

const APP = "eve-skill-farm";
/** Labels that select the application's pods. */
export const APP_LABELS = { "app.kubernetes.io/name": APP } as const;
const LABELS = { ...APP_LABELS, "app.kubernetes.io/part-of": "foundation", "app.kubernetes.io/managed-by": "pulumi" };
const CREDENTIALS = `${APP}-credentials`;
/** The Secret of the secret environment variables, and the image pull Secret. */
export const ENV_SECRET = `${APP}-env`;
export const PULL_SECRET = `${APP}-registry`;
const DATA = `${APP}-data`;
const TLS = `${APP}-tls`;

/**
 * Why `image` is not pinned, or null when it is: a digest (`@sha256:` and 64 hex digits) or a tag other than
 * `latest` on the last path segment (a registry port such as `:5000` is not a tag).
 */
export function imagePinProblem(image: string): string | null {
  const problem = pinProblemOf(image);
  switch (problem?.kind) {
    case undefined:
      return null;
    case "malformed-digest":
      return "has a malformed digest; a digest is @sha256: followed by 64 lowercase hex digits";
    case "no-tag-or-digest":
      return "has no tag or digest, so every pull may run different code";
    case "latest":
      return "uses the tag 'latest', which moves with every push";
    case "malformed-tag":
      return `has an invalid tag '${problem.tag}'`;
  }
}

/**
 * Why `image` is not pinned by digest, or null when it is: `<repository>[:<tag>]@sha256:<64 hex>`. A tag can be moved
 * to other bytes; a digest names exactly one image.
 */
export function imageDigestProblem(image: string): string | null {
  const at = image.indexOf("@");
  if (at < 0) return "is not pinned by digest; append @sha256:<digest> of the image that was tested";
  const pinProblem = imagePinProblem(image);
  if (pinProblem !== null) return pinProblem;
  return isDigestPinnedImage(image) ? null : "is not an image reference <repository>[:<tag>]@sha256:<64 hex>";
}

/** The values {@link EveSkillFarm} uses for the arguments a caller leaves out; the stack's config defaults too. */
export const EVE_SKILL_FARM_DEFAULTS = {
  namespace: APP,
  replicas: 1,
  containerPort: 8080,
  healthPath: "/healthz",
  storageSize: "1Gi",
  volumeAccessMode: "ReadWriteOnce",
  secretName: `${APP}/credentials`,
  runAsUser: 10001,
  resources: resources("50m", "128Mi", "500m", "256Mi"),
} as const satisfies Partial<Record<keyof EveSkillFarmArgs, unknown>>;

/** The plain arguments {@link eveSkillFarmProblems} checks. */
export type EveSkillFarmSettings = Partial<Omit<EveSkillFarmArgs, PlatformNameArg>>;

type PlatformNameArg =
  | "ingressClassName"
  | "storageClassName"
  | "clusterSecretStoreName"
  | "clusterIssuerName"
  | "ingressNamespace"
  | "ingressPodLabels";

/** One problem with one argument: the argument and what is wrong with its value, with the fix. */
export interface EveSkillFarmProblem {
  readonly arg: keyof EveSkillFarmSettings;
  /** The field inside the argument, dotted (`requests.cpu`), when the problem is with one field of an object. */
  readonly field?: string;
  /** Reads after the argument's name: `image 'x:latest' uses the tag 'latest' …`. */
  readonly message: string;
}

// CPU in cores or millicores, memory in bytes with an optional SI or binary suffix: the quantity forms the API
// accepts for these resources (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/).
const CPU = /^([0-9]+(\.[0-9]+)?)(m?)$/;
const MEMORY = /^([0-9]+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const MEMORY_UNITS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

function cpuCores(quantity: string): number | null {
  const match = CPU.exec(quantity);
  return match ? Number(match[1]) / (match[3] === "m" ? 1000 : 1) : null;
}

function memoryBytes(quantity: string): number | null {
  const match = MEMORY.exec(quantity);
  return match ? Number(match[1]) * (match[2] === undefined ? 1 : MEMORY_UNITS[match[2]]) : null;
}

function resourceProblems(r: ContainerResources): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  for (const [kind, parse, example] of [
    ["cpu", cpuCores, "250m or 0.5"],
    ["memory", memoryBytes, "256Mi"],
  ] as const) {
    const request = parse(r.requests[kind]);
    const limit = parse(r.limits[kind]);
    if (request === null) {
      problems.push({
        field: `requests.${kind}`,
        message: `'${r.requests[kind]}' must be a quantity such as ${example}`,
      });
    }
    if (limit === null) {
      problems.push({ field: `limits.${kind}`, message: `'${r.limits[kind]}' must be a quantity such as ${example}` });
    }
    // The API server refuses a pod whose request exceeds its limit, long after the plan looked fine.
    if (request !== null && limit !== null && request > limit) {
      problems.push({
        field: `requests.${kind}`,
        message: `${r.requests[kind]} exceeds limits.${kind} ${r.limits[kind]}; raise the limit`,
      });
    }
  }
  return problems;
}

/**
 * Every problem with the plain arguments that are given, each naming the argument: what {@link EveSkillFarm} refuses
 * before it registers anything, and what the `eve-skill-farm` stack's config checks at the keys of the same names.
 */
export function eveSkillFarmProblems(args: EveSkillFarmSettings): EveSkillFarmProblem[] {
  const problems: EveSkillFarmProblem[] = [];
  const problem = (arg: keyof EveSkillFarmSettings, message: string) => problems.push({ arg, message });
  if (args.image !== undefined) {
    const pinProblem = imagePinProblem(args.image);
    if (pinProblem !== null) {
      problem(
        "image",
        `'${args.image}' ${pinProblem}; pin a version tag or a digest, e.g. registry.example.com/${APP}:1.4.2`,
      );
    }
  }
  if (args.host !== undefined && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(args.host)) {
    problem("host", `'${args.host}' must be a lowercase DNS name such as eve.lab.example.com`);
  }
  const replicas = args.replicas ?? EVE_SKILL_FARM_DEFAULTS.replicas;
  const volumeAccessMode = args.volumeAccessMode ?? EVE_SKILL_FARM_DEFAULTS.volumeAccessMode;
  if (!Number.isInteger(replicas) || replicas < 1) {
    problem("replicas", `must be a whole number of at least 1, got ${replicas}`);
  } else if (replicas > 1 && volumeAccessMode === "ReadWriteOnce") {
    problem(
      "replicas",
      `${replicas} needs volumeAccessMode ReadWriteMany: a ReadWriteOnce volume attaches to one node, so a second pod elsewhere would never start`,
    );
  }
  const { containerPort, healthPath, storageSize, secretsPrefix, secretName, runAsUser } = args;
  if (
    containerPort !== undefined &&
    (!Number.isInteger(containerPort) || containerPort < 1024 || containerPort > 65535)
  ) {
    problem("containerPort", `${containerPort} must be 1024-65535: a non-root process cannot bind lower ports`);
  }
  if (healthPath !== undefined && !healthPath.startsWith("/"))
    problem("healthPath", `'${healthPath}' must start with /`);
  if (storageSize !== undefined && !/^[0-9]+(Mi|Gi|Ti)$/.test(storageSize)) {
    problem("storageSize", `'${storageSize}' must be a quantity such as 1Gi`);
  }
  if (secretsPrefix !== undefined && !/^[A-Za-z0-9/_+=.@-]+\/$/.test(secretsPrefix)) {
    problem("secretsPrefix", `'${secretsPrefix}' must be a Secrets Manager path ending in '/', e.g. lab/`);
  }
  // Secrets Manager names allow these characters only
  // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html#API_CreateSecret_RequestSyntax).
  if (secretName !== undefined && !/^[A-Za-z0-9_+=.@-][A-Za-z0-9/_+=.@-]*$/.test(secretName)) {
    problem(
      "secretName",
      `'${secretName}' must be a Secrets Manager name under the prefix (letters, digits and /_+=.@-, no leading /), e.g. ${EVE_SKILL_FARM_DEFAULTS.secretName}`,
    );
  }
  if (runAsUser !== undefined && (!Number.isInteger(runAsUser) || runAsUser < 1)) {
    problem("runAsUser", `must be a non-zero user id, got ${runAsUser}`);
  }
  if (args.resources !== undefined) {
    for (const { field, message } of resourceProblems(args.resources))
      problems.push({ arg: "resources", field, message });
  }
  // Names a shell and the Kubernetes API both take (https://kubernetes.io/docs/tasks/inject-data-application/
  // define-environment-variable-container/): a letter or underscore, then letters, digits and underscores.
  const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
  for (const name of Object.keys(args.env ?? {})) {
    if (!ENV_NAME.test(name)) {
      problems.push({
        arg: "env",
        field: name,
        message: "is not an environment variable name; use letters, digits and _",
      });
    }
  }
  for (const [name, source] of Object.entries(args.secretEnv ?? {})) {
    if (!ENV_NAME.test(name)) {
      problems.push({
        arg: "secretEnv",
        field: name,
        message: "is not an environment variable name; use letters, digits and _",
      });
    } else if (args.env !== undefined && name in args.env) {
      problems.push({
        arg: "secretEnv",
        field: name,
        message: "is also a plain env variable; keep it in one of the two",
      });
    }
    if (!/^[A-Za-z0-9_+=.@-][A-Za-z0-9/_+=.@-]*$/.test(source.secret)) {
      problems.push({
        arg: "secretEnv",
        field: `${name}.secret`,
        message: `'${source.secret}' must be a Secrets Manager name under the prefix, e.g. ${APP}/database`,
      });
    }
  }
  (args.registries ?? []).forEach((registry, index) => {
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$/.test(registry.server)) {
      problems.push({
        arg: "registries",
        field: `${index}.server`,
        message: `'${registry.server}' must be a registry host such as registry.example.com, without a scheme or path`,
      });
    }
    if (registry.username.trim() === "" || /[:\s]/.test(registry.username)) {
      problems.push({
        arg: "registries",
        field: `${index}.username`,
        message: "must be the deploy token's user name, without spaces or ':'",
      });
    }
  });
  return problems;
}

/**
 * The `.dockerconfigjson` of an image pull Secret (https://kubernetes.io/docs/tasks/configure-pod-container/
 * pull-image-private-registry/): one `auths` entry per registry, `auth` being base64 of `user:token`.
 */
export function dockerConfigJson(registries: readonly { server: string; username: string; token: string }[]): string {
  const auths = Object.fromEntries(
    registries.map(({ server, username, token }) => [
      server,
      { username, password: token, auth: Buffer.from(`${username}:${token}`, "utf8").toString("base64") },
    ]),
  );
  return JSON.stringify({ auths });
}

/** The application's objects, as plain Kubernetes API values. */
export function renderEveSkillFarm(input: EveSkillFarmInput): EveSkillFarmObjects {
  const ns = input.namespace;
  const meta = (name: string) => ({ name, namespace: ns, labels: { ...LABELS } });
  const probe = { httpGet: { path: input.healthPath, port: "http" }, timeoutSeconds: 2 };
  const secretNames = Object.keys(input.secretEnv).sort();
  const env = [
    ...Object.keys(input.env)
      .sort()
      .map((name) => ({ name, value: input.env[name] })),
    ...secretNames.map((name) => ({ name, valueFrom: { secretKeyRef: { name: ENV_SECRET, key: name } } })),
  ];
  const objects: EveSkillFarmObjects = {
    namespace: namespaceSpec(ns, "restricted"),
    persistentVolumeClaim: {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        ...meta(DATA),
        // Both storage backends bind a volume when the first pod uses it (WaitForFirstConsumer); the Deployment's
        // rollout is the thing to wait for, not the claim.
        annotations: { "pulumi.com/skipAwait": "true" },
      },
      spec: {
        accessModes: [input.volumeAccessMode],
        storageClassName: input.storageClassName,
        resources: { requests: { storage: input.storageSize } },
      },
    },
    externalSecret: {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: meta(CREDENTIALS),
      spec: {
        refreshInterval: "1h",
        secretStoreRef: { kind: "ClusterSecretStore", name: input.clusterSecretStoreName },
        target: { name: CREDENTIALS, creationPolicy: "Owner" },
        // Every JSON property of the secret becomes one key (and one file in the pod).
        dataFrom: [{ extract: { key: input.secretKey } }],
      },
    },
    deployment: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(APP),
      spec: {
        replicas: input.replicas,
        // One pod holds a ReadWriteOnce volume: the old pod must let go before the new one can attach it.
        strategy:
          input.volumeAccessMode === "ReadWriteOnce"
            ? { type: "Recreate" }
            : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } },
        selector: { matchLabels: { ...APP_LABELS } },
        template: {
          metadata: { labels: { ...LABELS } },
          spec: {
            automountServiceAccountToken: false,
            ...(input.pullSecret ? { imagePullSecrets: [{ name: PULL_SECRET }] } : {}),
            securityContext: {
              runAsNonRoot: true,
              runAsUser: input.runAsUser,
              runAsGroup: input.runAsUser,
              fsGroup: input.runAsUser,
              fsGroupChangePolicy: "OnRootMismatch",
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: APP,
                image: input.image,
                ports: [{ name: "http", containerPort: input.containerPort, protocol: "TCP" }],
                ...(env.length === 0 ? {} : { env }),
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  privileged: false,
                  capabilities: { drop: ["ALL"] },
                  seccompProfile: { type: "RuntimeDefault" },
                },
                resources: resourceRequirements(input.resources),
                readinessProbe: { ...probe, periodSeconds: 10, failureThreshold: 3 },
                livenessProbe: { ...probe, initialDelaySeconds: 15, periodSeconds: 20, failureThreshold: 3 },
                volumeMounts: [
                  { name: "data", mountPath: "/data" },
                  { name: "tmp", mountPath: "/tmp" },
                  { name: "credentials", mountPath: `/var/run/secrets/${APP}`, readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: "data", persistentVolumeClaim: { claimName: DATA } },
              // The root file system is read-only; /tmp is the one scratch space, bounded.
              { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
              { name: "credentials", secret: { secretName: CREDENTIALS, defaultMode: 0o440 } },
            ],
          },
        },
      },
    },
    service: {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(APP),
      spec: {
        type: "ClusterIP",
        selector: { ...APP_LABELS },
        ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
      },
    },
    ingress: {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        ...meta(APP),
        annotations: {
          "cert-manager.io/cluster-issuer": input.clusterIssuerName,
          "external-dns.alpha.kubernetes.io/hostname": input.host,
          // HTTPS only: the router listens on Traefik's TLS entry point and nowhere else.
          "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
          "traefik.ingress.kubernetes.io/router.tls": "true",
        },
      },
      spec: {
        ingressClassName: input.ingressClassName,
        tls: [{ hosts: [input.host], secretName: TLS }],
        rules: [
          {
            host: input.host,
            http: {
              paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: APP, port: { name: "http" } } } }],
            },
          },
        ],
      },
    },
    networkPolicy: {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta(`${APP}-ingress-only`),
      spec: {
        podSelector: { matchLabels: { ...APP_LABELS } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            // One peer with both selectors: pods with these labels in that namespace, not either on its own.
            from: [
              {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": input.ingressNamespace } },
                podSelector: { matchLabels: { ...input.ingressPodLabels } },
              },
            ],
            ports: [{ port: input.containerPort, protocol: "TCP" }],
          },
        ],
      },
    },
  };
  const withEnv: EveSkillFarmObjects =
    secretNames.length === 0
      ? objects
      : {
          ...objects,
          envExternalSecret: {
            apiVersion: "external-secrets.io/v1",
            kind: "ExternalSecret",
            metadata: meta(ENV_SECRET),
            spec: {
              refreshInterval: "1h",
              secretStoreRef: { kind: "ClusterSecretStore", name: input.clusterSecretStoreName },
              target: { name: ENV_SECRET, creationPolicy: "Owner" },
              data: secretNames.map((name) => {
                const { key, property } = input.secretEnv[name];
                return { secretKey: name, remoteRef: { key, ...(property === undefined ? {} : { property }) } };
              }),
            },
          },
        };
  if (input.replicas <= 1) return withEnv;
  return {
    ...withEnv,
    podDisruptionBudget: {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: meta(APP),
      spec: { maxUnavailable: 1, selector: { matchLabels: { ...APP_LABELS } } },
    },
  };
}

/**
 * A rendered value handed to a resource of @pulumi/kubernetes. kubernetes-models and @pulumi/kubernetes type the
 * same API differently (quantities as `string | number` or `string`, fields optional in one and required in the
 * other), so the value is passed on as the SDK's input type; the tests validate it against the API schema.
 */
function apiValue<T>(value: pulumi.Output<unknown> | undefined): pulumi.Output<T> {
  return value as pulumi.Output<T>;
}

/**
 * eve-skill-farm, the first workload and the Foundation exit proof: it needs every platform service at once
 * (ingress and a MetalLB address, a certificate from cert-manager, a DNS name from ExternalDNS, a volume from the
 * default StorageClass, credentials from External Secrets), in a `restricted` namespace that admits traffic only
 * from the ingress controller.
 */
export class EveSkillFarm extends pulumi.ComponentResource {
  /** The application's namespace. */
  readonly namespace: pulumi.Output<string>;
  /** The public HTTPS URL of the health endpoint: what the smoke check requests. */
  readonly healthUrl: pulumi.Output<string>;
  /** The public HTTPS URL of the application. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: EveSkillFarmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:apps:EveSkillFarm", name, {}, opts);
    const namespaceName = args.namespace ?? EVE_SKILL_FARM_DEFAULTS.namespace;
    const replicas = args.replicas ?? EVE_SKILL_FARM_DEFAULTS.replicas;
    const containerPort = args.containerPort ?? EVE_SKILL_FARM_DEFAULTS.containerPort;
    const healthPath = args.healthPath ?? EVE_SKILL_FARM_DEFAULTS.healthPath;
    const storageSize = args.storageSize ?? EVE_SKILL_FARM_DEFAULTS.storageSize;
    const volumeAccessMode = args.volumeAccessMode ?? EVE_SKILL_FARM_DEFAULTS.volumeAccessMode;
    const secretName = args.secretName ?? EVE_SKILL_FARM_DEFAULTS.secretName;
    const runAsUser = args.runAsUser ?? EVE_SKILL_FARM_DEFAULTS.runAsUser;
    requireDnsLabel(this, "EveSkillFarm", name, "namespace", namespaceName);
    const problems = eveSkillFarmProblems(args);
    if (problems.length > 0) {
      const described = problems.map((p) => `${p.arg}${p.field === undefined ? "" : `.${p.field}`} ${p.message}`);
      throw new pulumi.ResourceError(`EveSkillFarm '${name}': ${described.join("; ")}`, this);
    }

    const rendered = pulumi
      .all([
        args.ingressClassName,
        args.storageClassName,
        args.clusterSecretStoreName,
        args.clusterIssuerName,
        args.ingressNamespace,
        args.ingressPodLabels,
      ])
      .apply(([ingressClassName, storageClassName, store, issuer, ingressNamespace, ingressPodLabels]) =>
        renderEveSkillFarm({
          namespace: namespaceName,
          host: args.host,
          image: args.image,
          replicas,
          containerPort,
          healthPath,
          storageSize,
          volumeAccessMode,
          resources: args.resources ?? EVE_SKILL_FARM_DEFAULTS.resources,
          runAsUser,
          ingressClassName,
          storageClassName,
          clusterSecretStoreName: store,
          clusterIssuerName: issuer,
          ingressNamespace,
          ingressPodLabels,
          secretKey: `${args.secretsPrefix}${secretName}`,
          env: args.env ?? {},
          secretEnv: Object.fromEntries(
            Object.entries(args.secretEnv ?? {}).map(([envName, source]) => [
              envName,
              { key: `${args.secretsPrefix}${source.secret}`, property: source.property },
            ]),
          ),
          pullSecret: (args.registries ?? []).length > 0,
        }),
      );

    const inNamespace = { parent: this };
    const namespace = new kubernetes.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: rendered.namespace.metadata },
      inNamespace,
    );
    const after = (...deps: pulumi.Resource[]) => ({ parent: this, dependsOn: [namespace, ...deps] });
    createNetworkPolicy(`${name}-default-deny`, defaultDenyPolicySpec(namespaceName), namespace.metadata.name, after());
    const claim = new kubernetes.core.v1.PersistentVolumeClaim(
      `${name}-data`,
      { metadata: rendered.persistentVolumeClaim.metadata, spec: apiValue(rendered.persistentVolumeClaim.spec) },
      // The application's data lives on this claim: deleting or replacing it must stop `pulumi up` instead of
      // destroying the volume (docs/architecture.md, "Protection"; policy pulumi-resource-stateful-protected).
      { ...after(), protect: true },
    );
    const externalSecret = new kubernetes.apiextensions.CustomResource(
      `${name}-credentials`,
      {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: rendered.externalSecret.metadata,
        spec: rendered.externalSecret.spec,
      },
      after(),
    );
    const podDependencies: pulumi.Resource[] = [claim, externalSecret];
    if (Object.keys(args.secretEnv ?? {}).length > 0) {
      const envSecret = rendered.apply((objects) => objects.envExternalSecret as ExternalSecret);
      podDependencies.push(
        new kubernetes.apiextensions.CustomResource(
          `${name}-env`,
          {
            apiVersion: "external-secrets.io/v1",
            kind: "ExternalSecret",
            metadata: envSecret.metadata,
            spec: envSecret.spec,
          },
          after(),
        ),
      );
    }
    const registries = args.registries ?? [];
    if (registries.length > 0) {
      // The tokens stay Pulumi secrets: the whole `.dockerconfigjson` is secret, in state and in the preview.
      const config = pulumi
        .secret(pulumi.all(registries.map((registry) => registry.token)))
        .apply((tokens) =>
          dockerConfigJson(registries.map(({ server, username }, i) => ({ server, username, token: tokens[i] }))),
        );
      podDependencies.push(
        new kubernetes.core.v1.Secret(
          `${name}-registry`,
          {
            metadata: { name: PULL_SECRET, namespace: namespaceName, labels: { ...LABELS } },
            type: "kubernetes.io/dockerconfigjson",
            stringData: { ".dockerconfigjson": config },
          },
          after(),
        ),
      );
    }
    // The pods mount the claim and the Secrets External Secrets makes, and pull with the registry Secret; starting
    // them earlier only delays the rollout.
    new kubernetes.apps.v1.Deployment(
      `${name}-deployment`,
      { metadata: rendered.deployment.metadata, spec: apiValue(rendered.deployment.spec) },
      after(...podDependencies),
    );
    const service = new kubernetes.core.v1.Service(
      `${name}-service`,
      { metadata: rendered.service.metadata, spec: rendered.service.spec },
      after(),
    );
    new kubernetes.networking.v1.Ingress(
      `${name}-ingress`,
      { metadata: rendered.ingress.metadata, spec: rendered.ingress.spec },
      after(service),
    );
    new kubernetes.networking.v1.NetworkPolicy(
      `${name}-network-policy`,
      { metadata: rendered.networkPolicy.metadata, spec: apiValue(rendered.networkPolicy.spec) },
      after(),
    );
    if (replicas > 1) {
      const pdb = rendered.apply((objects) => objects.podDisruptionBudget as IPodDisruptionBudget);
      new kubernetes.policy.v1.PodDisruptionBudget(
        `${name}-disruption-budget`,
        { metadata: pdb.metadata, spec: pdb.spec },
        after(),
      );
    }

    this.namespace = namespace.metadata.name;
    this.url = pulumi.output(`https://${args.host}/`);
    this.healthUrl = pulumi.output(`https://${args.host}${healthPath}`);
    this.registerOutputs({ namespace: this.namespace, url: this.url, healthUrl: this.healthUrl });
  }
}
