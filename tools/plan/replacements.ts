/**
 * Which property changes make a provider replace a resource instead of updating it in place, for the resource types
 * Foundation's stacks register. The offline plan uses this to call a change a replacement, and the engine run's
 * stand-in provider plugins report the same replacements to the real engine, so both agree with each other and
 * with the providers they model.
 *
 * Sources, one per provider: the "forces new resource" / "requires replacement" notes of each resource's page in
 * the Terraform registry, which the bridged Pulumi providers carry over (https://registry.terraform.io/providers/
 * hashicorp/aws/latest/docs, .../hashicorp/tls/latest/docs, .../hashicorp/random/latest/docs,
 * .../bpg/proxmox/latest/docs), and for Kubernetes the fields the API server refuses to change, which
 * pulumi-kubernetes answers with a replacement (https://www.pulumi.com/docs/iac/clouds/kubernetes/guides/
 * replacement/). Types not listed here replace on nothing but the program's own `replaceOnChanges`.
 *
 * Change paths are those of {@link changedPaths} in tools/plan/diff.ts.
 */

/** Property paths (dotted for nested fields) whose change replaces a resource, by type token. */
export const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
  "aws:autoscaling/group:Group": ["name", "namePrefix"],
  "aws:ec2/launchTemplate:LaunchTemplate": ["name", "namePrefix"],
  "aws:ec2/routeTable:RouteTable": ["vpcId"],
  "aws:ec2/routeTableAssociation:RouteTableAssociation": ["subnetId", "gatewayId"],
  "aws:ec2/securityGroup:SecurityGroup": ["name", "namePrefix", "description", "vpcId"],
  "aws:ec2/subnet:Subnet": ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"],
  "aws:ec2/vpc:Vpc": ["cidrBlock"],
  "aws:iam/accessKey:AccessKey": ["user", "pgpKey"],
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": ["url"],
  "aws:iam/policy:Policy": ["name", "namePrefix", "path", "description"],
  "aws:iam/role:Role": ["name", "namePrefix", "path"],
  "aws:iam/rolePolicy:RolePolicy": ["role", "name", "namePrefix"],
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["role", "policyArn"],
  "aws:iam/userPolicy:UserPolicy": ["user", "name", "namePrefix"],
  "aws:identitystore/group:Group": ["identityStoreId"],
  "aws:kms/alias:Alias": ["name", "namePrefix"],
  "aws:kms/key:Key": ["customerMasterKeySpec", "keySpec", "keyUsage", "multiRegion"],
  "aws:organizations/account:Account": ["email", "iamUserAccessToBilling", "roleName"],
  "aws:rolesanywhere/profile:Profile": ["name"],
  "aws:route53/zone:Zone": ["name", "delegationSetId"],
  "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix"],
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ["bucket", "expectedBucketOwner"],
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ["bucket"],
  "aws:s3/bucketPolicy:BucketPolicy": ["bucket"],
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["bucket"],
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": [
    "bucket",
    "expectedBucketOwner",
  ],
  "aws:s3/bucketVersioning:BucketVersioning": ["bucket", "expectedBucketOwner"],
  "aws:secretsmanager/secret:Secret": ["name", "namePrefix"],
  "aws:secretsmanager/secretVersion:SecretVersion": ["secretId", "secretString", "secretBinary"],
  "aws:ssoadmin/accountAssignment:AccountAssignment": [
    "instanceArn",
    "permissionSetArn",
    "principalId",
    "principalType",
    "targetId",
    "targetType",
  ],
  "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment": [
    "instanceArn",
    "managedPolicyArn",
    "permissionSetArn",
  ],
  "aws:ssoadmin/permissionSet:PermissionSet": ["instanceArn", "name"],
  "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy": ["instanceArn", "permissionSetArn"],
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ["securityGroupId"],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["securityGroupId"],
  "kubernetes:apps/v1:Deployment": ["metadata.name", "metadata.namespace", "spec.selector"],
  "kubernetes:core/v1:Namespace": ["metadata.name"],
  "kubernetes:core/v1:PersistentVolumeClaim": [
    "metadata.name",
    "metadata.namespace",
    "spec.accessModes",
    "spec.storageClassName",
    "spec.volumeMode",
  ],
  "kubernetes:core/v1:Secret": ["metadata.name", "metadata.namespace", "type"],
  "kubernetes:core/v1:Service": ["metadata.name", "metadata.namespace", "spec.clusterIP"],
  "kubernetes:helm.sh/v3:Release": ["name", "namespace"],
  "kubernetes:networking.k8s.io/v1:Ingress": ["metadata.name", "metadata.namespace"],
  "kubernetes:networking.k8s.io/v1:NetworkPolicy": ["metadata.name", "metadata.namespace"],
  "proxmoxve:download/file:File": [
    "checksum",
    "checksumAlgorithm",
    "contentType",
    "datastoreId",
    "decompressionAlgorithm",
    "fileName",
    "nodeName",
    "url",
  ],
  "proxmoxve:firewall/optionsLegacy:OptionsLegacy": ["nodeName", "vmId"],
  "proxmoxve:firewall/rulesLegacy:RulesLegacy": ["nodeName", "vmId"],
  "proxmoxve:index/fileLegacy:FileLegacy": ["contentType", "datastoreId", "nodeName", "sourceFile", "sourceRaw"],
  "proxmoxve:index/vmLegacy:VmLegacy": ["nodeName", "vmId"],
  "random:index/randomBytes:RandomBytes": ["keepers", "length"],
  "random:index/randomId:RandomId": ["byteLength", "keepers", "prefix"],
  "random:index/randomInteger:RandomInteger": ["keepers", "max", "min", "seed"],
  "random:index/randomPassword:RandomPassword": [
    "keepers",
    "length",
    "lower",
    "minLower",
    "minNumeric",
    "minSpecial",
    "minUpper",
    "numeric",
    "overrideSpecial",
    "special",
    "upper",
  ],
  "random:index/randomString:RandomString": [
    "keepers",
    "length",
    "lower",
    "minLower",
    "minNumeric",
    "minSpecial",
    "minUpper",
    "numeric",
    "overrideSpecial",
    "special",
    "upper",
  ],
  "random:index/randomUuid:RandomUuid": ["keepers"],
  "tls:index/certRequest:CertRequest": ["dnsNames", "ipAddresses", "privateKeyPem", "subject", "uris"],
  "tls:index/locallySignedCert:LocallySignedCert": [
    "allowedUses",
    "caCertPem",
    "caPrivateKeyPem",
    "certRequestPem",
    "isCaCertificate",
    "setSubjectKeyId",
    "validityPeriodHours",
  ],
  "tls:index/privateKey:PrivateKey": ["algorithm", "ecdsaCurve", "rsaBits"],
  "tls:index/selfSignedCert:SelfSignedCert": [
    "allowedUses",
    "dnsNames",
    "ipAddresses",
    "isCaCertificate",
    "privateKeyPem",
    "setAuthorityKeyId",
    "setSubjectKeyId",
    "subject",
    "uris",
    "validityPeriodHours",
  ],
};

/** True when the changed input `path` (`a.b[0].c`) is `property` (`a.b`) or lies under it. */
function under(path: string, property: string): boolean {
  return property === "*" || path === property || path.startsWith(`${property}.`) || path.startsWith(`${property}[`);
}

/**
 * The changed input paths (as {@link changedPaths} spells them, without the `inputs.` prefix) that make the engine
 * replace a resource of `type`: the provider's force-new properties, and the resource's own `replaceOnChanges`.
 */
export function replaceReasons(
  type: string,
  paths: readonly string[],
  replaceOnChanges: readonly string[] = [],
): string[] {
  const forcing = [...(FORCE_NEW[type] ?? []), ...replaceOnChanges];
  return paths.filter((path) => forcing.some((property) => under(path, property)));
}
