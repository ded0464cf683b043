/**
 * What the engine run changes in the example configs, and the one edit per stack whose real preview it checks. Every
 * change is listed in the report with its reason, so a reader knows exactly where the run departs from the examples.
 */
import { StackName } from "../../stacks/graph";
import { ChangeOp } from "../plan/diff";
import { ConfigEdit, SecretSetting } from "./workspace";

/** Addresses on this machine that stand in for the lab LAN: the Talos doubles listen on them. */
export const LAB_NET = {
  cidr: "127.0.0.0/24",
  gateway: "127.0.0.1",
  vip: "127.0.0.10",
  controlPlanes: ["127.0.0.11", "127.0.0.12", "127.0.0.13"],
  workers: ["127.0.0.21", "127.0.0.22"],
  runnerVm: "127.0.0.30",
  pool: "127.0.0.200-127.0.0.220",
  ingress: "127.0.0.200",
} as const;

/** An edit whose real preview the run compares with the offline plan's verdict. */
export interface VerdictEdit {
  readonly description: string;
  readonly edits: readonly ConfigEdit[];
  /** The change the edit is for: a URN suffix (`::name`) and what must happen to it. */
  readonly expect: { readonly urnSuffix: string; readonly op: ChangeOp };
}

/** One stack's part of the run. */
export interface StackScenario {
  readonly edits: readonly ConfigEdit[];
  readonly secrets: readonly SecretSetting[];
  readonly verdict: VerdictEdit;
}

const prefixed = (edits: readonly [string, unknown, string][]): ConfigEdit[] =>
  edits.map(([path, value, reason]) => ({ path: `foundation:${path}`, value, reason }));

/** The scenario of every stack. */
export const SCENARIO: Readonly<Record<StackName, StackScenario>> = {
  aws: {
    edits: [],
    secrets: [],
    verdict: {
      description: "rename the app-secrets key's alias (the provider replaces an alias to rename it)",
      edits: prefixed([["kms.appSecretsAlias", "foundation-app-secrets-2", "the verdict edit"]]),
      expect: { urnSuffix: "::app-secrets-alias", op: "replace" },
    },
  },
  group: {
    edits: prefixed([
      [
        "variables",
        [{ key: "FOUNDATION_GITLAB_READ_TOKEN", protected: false, description: "read_api token of the previews" }],
        "the variable the example's comment describes, to exercise a secret from config to GitLab",
      ],
    ]),
    secrets: [
      {
        path: "foundation:variables[0].value",
        value: "glpat-engine-run-read-token-0123456789",
        reason: "set after `pulumi stack init`, as the example's comment says",
      },
    ],
    verdict: {
      description: "recolour the area::eve-skill-farm label",
      edits: prefixed([["labels.add[0].color", "#123456", "the verdict edit"]]),
      expect: { urnSuffix: "::group-label-area-eve-skill-farm", op: "update" },
    },
  },
  lab: {
    edits: prefixed([
      ["network.cidr", LAB_NET.cidr, "the Talos doubles listen on loopback addresses"],
      ["network.gateway", LAB_NET.gateway, "inside the loopback network"],
      ["network.nameservers", [LAB_NET.gateway], "inside the loopback network"],
      ["network.timeServers", [LAB_NET.gateway], "inside the loopback network"],
      ["talos.vip", LAB_NET.vip, "the Kubernetes API double listens there"],
      ...LAB_NET.controlPlanes.map(
        (ip, i) =>
          [`talos.controlPlanes[${i}].address`, `${ip}/24`, "apid's double listens on the first one"] as [
            string,
            unknown,
            string,
          ],
      ),
      ...LAB_NET.workers.map(
        (ip, i) =>
          [`talos.workers[${i}].address`, `${ip}/24`, "inside the loopback network"] as [string, unknown, string],
      ),
      ["runnerManager.vm.address", `${LAB_NET.runnerVm}/24`, "inside the loopback network"],
      ["runnerManager.vm.firewall.adminCidrs", [LAB_NET.cidr], "inside the loopback network"],
      ["runnerManager.vm.firewall.monitoringCidrs", [LAB_NET.cidr], "inside the loopback network"],
      ["platform.metallb.addresses", [LAB_NET.pool], "inside the loopback network"],
      ["platform.traefik.loadBalancerIp", LAB_NET.ingress, "inside the pool"],
    ]),
    secrets: [],
    verdict: {
      description: "give the runner VM six cores",
      edits: prefixed([["runnerManager.vm.cores", 6, "the verdict edit"]]),
      expect: { urnSuffix: "::runner-vm", op: "update" },
    },
  },
  "eve-skill-farm": {
    edits: [],
    secrets: [],
    verdict: {
      description: "raise the memory limit to 512Mi",
      edits: prefixed([
        [
          "resources",
          { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
          "the verdict edit",
        ],
      ]),
      expect: { urnSuffix: "::eve-skill-farm-deployment", op: "update" },
    },
  },
};
