/**
 * Planted defects, one per area the pack guards, for the tests of `npm run policies -- check`: an open S3 bucket, a
 * KMS key that does not rotate, an OIDC role whose trust admits any GitLab project, a deploy role whose policy
 * reaches its own ARN, a protected deploy runner that is unlocked and shares its tag with an unprotected runner, and
 * a privileged container running `nginx:latest`. Not a Foundation stack: never deploy it.
 */
import * as aws from "@pulumi/aws";
import * as kubernetes from "@pulumi/kubernetes";
import { UserRunner } from "../../../../components/gitlab/user-runner";

const issuer = "gitlab.example.com";

const bucket = new aws.s3.Bucket("open", { bucket: "defects-open" });
new aws.s3.BucketPublicAccessBlock("open-access", {
  bucket: bucket.id,
  blockPublicAcls: false,
  blockPublicPolicy: false,
  ignorePublicAcls: false,
  restrictPublicBuckets: false,
});

new aws.kms.Key("unrotated", { description: "never rotates", enableKeyRotation: false }, { protect: true });

new aws.iam.Role("any-project", {
  name: "any-project-preview",
  assumeRolePolicy: JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GitLabCiWebIdentity",
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${issuer}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [`${issuer}:aud`]: `https://${issuer}` },
          StringLike: { [`${issuer}:sub`]: "project_path:*" },
        },
      },
    ],
  }),
});

// IAM writes on role/foundation/*, where the role itself lives: it can attach AdministratorAccess to itself.
const deployer = new aws.iam.Role("self-admin", {
  name: "self-admin-deploy",
  path: "/foundation/",
  assumeRolePolicy: JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
  }),
});
new aws.iam.RolePolicy("self-admin-policy", {
  role: deployer.name,
  policy: JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "iam:*", Resource: "arn:aws:iam::123456789012:role/foundation/*" }],
  }),
});

// The deploy runner as it was before the runners were separated: open to other projects, and its tag on a runner
// that takes any branch's jobs.
new UserRunner("deploy", {
  groupPath: "mson",
  description: "proxmox-deploy",
  tagList: ["deploy"],
  accessLevel: "ref_protected",
  locked: false,
});
new UserRunner("local", {
  groupPath: "mson",
  description: "proxmox-docker",
  tagList: ["docker", "deploy"],
  accessLevel: "not_protected",
});

new kubernetes.apps.v1.Deployment("web", {
  metadata: { name: "web", namespace: "apps" },
  spec: {
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "nginx", image: "nginx:latest", securityContext: { privileged: true } }] },
    },
  },
});
