import { defineResourcePolicy, whenKnown } from "../policy";

/**
 * Deploy keys are read-only (`canPush: false`): the GitOps key lets Flux clone the repository, and a key that could
 * push would let anyone holding the cluster's copy of the private key rewrite what the cluster deploys.
 */
export const gitlabDeployKeyReadOnly = defineResourcePolicy({
  name: "gitlab-deploykey-read-only",
  description: "GitLab deploy keys are read-only.",
  severity: "critical",
  remediationSteps:
    "Set canPush: false on the DeployKey (the default of components/gitlab/deploy-key.ts). Automation that must " +
    "push uses a project access token with the narrowest scope and an expiry, not a deploy key.",
  url: "https://docs.gitlab.com/user/project/deploy_keys/#permissions",
  area: "gitlab",
  types: ["pulumi-nodejs:dynamic/gitlab:DeployKey"],
  check: (args, report) => {
    if (args.props.canPush !== false) {
      const title = whenKnown(() => args.props.title);
      report(`deploy key ${typeof title === "string" ? `'${title}'` : args.name} can push; set canPush to false`);
    }
  },
});
