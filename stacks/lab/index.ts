/** The `lab` stack (phases 1, 4, 5): the runner VM, the Talos cluster and its platform services on Proxmox. */
import * as proxmoxve from "@muhlba91/pulumi-proxmoxve";
import { awsOutputs } from "../aws/outputs";
import { ContractExports, readStack } from "../contract";
import { groupOutputs } from "../group/outputs";
import { labConfig } from "./config";
import { labOutputs } from "./outputs";

/** Registers the `lab` stack's resources and returns its contract's outputs. */
export function labProgram(): ContractExports<typeof labOutputs> {
  const config = labConfig();
  const aws = readStack("lab", "aws", awsOutputs, config.stackReferences?.aws);
  const group = readStack("lab", "group", groupOutputs, config.stackReferences?.group);

  // Credentials stay in the environment (PROXMOX_VE_API_TOKEN), read by the provider plugin itself.
  new proxmoxve.Provider("proxmox", {
    endpoint: config.proxmox.endpoint,
    insecure: config.proxmox.insecure,
    ssh: { agent: true, username: config.proxmox.sshUsername },
  });

  return {
    domain: aws.labDomain,
    proxmoxEndpoint: config.proxmox.endpoint,
    gitlabUrl: group.gitlabUrl,
  };
}
