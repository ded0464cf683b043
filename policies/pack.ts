/**
 * The policies of the Foundation pack, in the order the standards page lists them, and the pack's name and default
 * enforcement. Kept apart from `index.ts`, which serves the pack as soon as it is loaded, so the CLI, the docs
 * generator and the tests can read the metadata without starting an analyzer.
 */
import type { EnforcementLevel } from "@pulumi/policy";
import { awsResourceStandardTags } from "./aws/aws-resource-standard-tags";
import { ec2BlockDeviceEncrypted } from "./aws/ec2-blockdevice-encrypted";
import { ec2LaunchTemplateImdsv2 } from "./aws/ec2-launchtemplate-imdsv2";
import { ec2SecurityGroupNoPublicIngress } from "./aws/ec2-securitygroup-no-public-ingress";
import { iamAccessKeyNoUserKeys } from "./aws/iam-accesskey-no-user-keys";
import { iamPolicyNoWildcardAdmin } from "./aws/iam-policy-no-wildcard-admin";
import { s3BucketKmsUploadsOnly } from "./aws/s3-bucket-kms-uploads-only";
import { iamRoleTrustAccountPinned } from "./aws/iam-role-trust-account-pinned";
import { iamRolePermissionsBoundary } from "./aws/iam-role-permissions-boundary";
import { iamPolicyNoSelfEscalation } from "./aws/iam-policy-no-self-escalation";
import { iamRoleOidcAudiencePinned } from "./aws/iam-role-oidc-audience-pinned";
import { iamRoleOidcDeployRefPinned } from "./aws/iam-role-oidc-deploy-ref-pinned";
import { iamRoleOidcNoCrossSegmentWildcard } from "./aws/iam-role-oidc-no-cross-segment-wildcard";
import { iamRoleOidcSubjectPinned } from "./aws/iam-role-oidc-subject-pinned";
import { kmsKeyDeletionWindow } from "./aws/kms-key-deletion-window";
import { kmsKeyRotationEnabled } from "./aws/kms-key-rotation-enabled";
import { organizationsAccountProtected } from "./aws/organizations-account-protected";
import { s3BucketControlsAttached } from "./aws/s3-bucket-controls-attached";
import { s3BucketNoForceDestroy } from "./aws/s3-bucket-no-force-destroy";
import { s3BucketPublicAccessBlock } from "./aws/s3-bucket-public-access-block";
import { s3BucketSseKms } from "./aws/s3-bucket-sse-kms";
import { s3BucketTlsOnly } from "./aws/s3-bucket-tls-only";
import { s3BucketVersioningStateful } from "./aws/s3-bucket-versioning-stateful";
import { gitlabDeployKeyReadOnly } from "./gitlab/gitlab-deploykey-read-only";
import { gitlabGroupLabelStandard } from "./gitlab/gitlab-grouplabel-standard";
import { gitlabGroupVariableSecretProtected } from "./gitlab/gitlab-groupvariable-secret-protected";
import { gitlabUserRunnerDeployIsolated } from "./gitlab/gitlab-userrunner-deploy-isolated";
import { gitlabUserRunnerGroupTagged } from "./gitlab/gitlab-userrunner-group-tagged";
import { kubernetesContainerImagePinned } from "./kubernetes/kubernetes-container-image-pinned";
import { kubernetesContainerNoPrivilegeEscalation } from "./kubernetes/kubernetes-container-no-privilege-escalation";
import { kubernetesContainerNonroot } from "./kubernetes/kubernetes-container-nonroot";
import { kubernetesContainerReadonlyRootfs } from "./kubernetes/kubernetes-container-readonly-rootfs";
import { kubernetesContainerResources } from "./kubernetes/kubernetes-container-resources";
import { kubernetesDeploymentProbes } from "./kubernetes/kubernetes-deployment-probes";
import { kubernetesIngressTls } from "./kubernetes/kubernetes-ingress-tls";
import { kubernetesNamespaceNetworkPolicy } from "./kubernetes/kubernetes-namespace-network-policy";
import { kubernetesPodPrivilegedNamespace } from "./kubernetes/kubernetes-pod-privileged-namespace";
import { FoundationPolicy, Severity } from "./policy";
import { proxmoxVmQemuAgentEnabled } from "./proxmox/proxmox-vm-qemu-agent-enabled";
import { proxmoxVmFirewall } from "./proxmox/proxmox-vm-firewall";
import { proxmoxVmTalosHardware } from "./proxmox/proxmox-vm-talos-hardware";
import { proxmoxVmTalosResources } from "./proxmox/proxmox-vm-talos-resources";
import { pulumiResourceStatefulProtected } from "./stack/pulumi-resource-stateful-protected";
import { pulumiStackReferencePhaseGraph } from "./stack/pulumi-stackreference-phase-graph";
import { pulumiStackReferenceSecretOutputs } from "./stack/pulumi-stackreference-secret-outputs";

/** The pack's name, as `pulumi preview --policy-pack` reports it. */
export const PACK_NAME = "foundation";

/**
 * The pack's enforcement, for a policy that sets none. Every policy of this pack sets its own, from its severity
 * ({@link enforcementOf}); this is the level CrossGuard reports for the pack as a whole.
 */
export const DEFAULT_ENFORCEMENT: EnforcementLevel = "advisory";

/**
 * A policy's default enforcement: `mandatory` for high and critical severities, the trust boundary (who may assume
 * which role, what a runner may run, what is encrypted, what is protected), `advisory` for medium and low, the
 * hygiene that reports before it blocks. A stack lowers a mandatory policy only with a declared exception
 * (`foundation:policyExceptions`, docs/standards.md).
 */
export function enforcementOf(severity: Severity): EnforcementLevel {
  return severity === "high" || severity === "critical" ? "mandatory" : "advisory";
}

const WRITTEN: readonly FoundationPolicy[] = [
  awsResourceStandardTags,
  ec2BlockDeviceEncrypted,
  ec2LaunchTemplateImdsv2,
  ec2SecurityGroupNoPublicIngress,
  iamAccessKeyNoUserKeys,
  iamPolicyNoWildcardAdmin,
  iamPolicyNoSelfEscalation,
  iamRolePermissionsBoundary,
  iamRoleTrustAccountPinned,
  iamRoleOidcAudiencePinned,
  iamRoleOidcDeployRefPinned,
  iamRoleOidcNoCrossSegmentWildcard,
  iamRoleOidcSubjectPinned,
  kmsKeyDeletionWindow,
  kmsKeyRotationEnabled,
  organizationsAccountProtected,
  s3BucketControlsAttached,
  s3BucketKmsUploadsOnly,
  s3BucketNoForceDestroy,
  s3BucketPublicAccessBlock,
  s3BucketSseKms,
  s3BucketTlsOnly,
  s3BucketVersioningStateful,
  proxmoxVmQemuAgentEnabled,
  proxmoxVmFirewall,
  proxmoxVmTalosResources,
  proxmoxVmTalosHardware,
  kubernetesContainerImagePinned,
  kubernetesContainerResources,
  kubernetesContainerNonroot,
  kubernetesContainerNoPrivilegeEscalation,
  kubernetesContainerReadonlyRootfs,
  kubernetesDeploymentProbes,
  kubernetesPodPrivilegedNamespace,
  kubernetesIngressTls,
  kubernetesNamespaceNetworkPolicy,
  gitlabGroupLabelStandard,
  gitlabGroupVariableSecretProtected,
  gitlabUserRunnerGroupTagged,
  gitlabUserRunnerDeployIsolated,
  gitlabDeployKeyReadOnly,
  pulumiStackReferencePhaseGraph,
  pulumiStackReferenceSecretOutputs,
  pulumiResourceStatefulProtected,
];

/** Every policy of the pack, each with its default enforcement. */
export const POLICIES: readonly FoundationPolicy[] = WRITTEN.map((policy) => ({
  ...policy,
  enforcementLevel: enforcementOf(policy.severity),
}));
