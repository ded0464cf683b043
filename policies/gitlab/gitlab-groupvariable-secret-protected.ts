import { defineResourcePolicy, whenKnown } from "../policy";
import { looksSecret } from "../secret-names";

/** The settings a stack gives this policy through the pack's config. */
export interface SecretVariableConfig {
  /** Secret-looking keys that are deliberately not protected (read-only tokens previews use), each for a reason. */
  readonly unprotectedKeys?: readonly string[];
}

/**
 * Group CI/CD variables whose names say they hold credentials (`…_TOKEN`, `…_PASSWORD`, `…_KEY`; policies/secret-names.ts) are masked, so job
 * logs never show them, and protected, so only pipelines of protected branches and tags (which only maintainers can
 * push) receive them. A read-only token that merge request previews need is listed in this policy's config.
 */
export const gitlabGroupVariableSecretProtected = defineResourcePolicy({
  name: "gitlab-groupvariable-secret-protected",
  description: "GitLab group variables whose names look secret are masked and protected.",
  severity: "high",
  remediationSteps:
    "Set masked: true and protected: true on the GroupVariable. When a credential must reach unprotected " +
    "pipelines (a read-only token for previews), list its key under unprotectedKeys in this policy's config for " +
    "the stack; it stays masked.",
  url: "https://docs.gitlab.com/ci/variables/#cicd-variable-security",
  area: "gitlab",
  configSchema: {
    properties: {
      unprotectedKeys: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: [],
        description: "Secret-looking variable keys that are deliberately not protected.",
      },
    },
  },
  types: ["pulumi-nodejs:dynamic/gitlab:GroupVariable"],
  check: (args, report) => {
    const key = args.props.key;
    if (typeof key !== "string" || !looksSecret(key)) return;
    whenKnown(() => {
      if (args.props.masked !== true) report(`variable ${key} looks secret but is not masked; set masked to true`);
    });
    whenKnown(() => {
      const exempt = args.getConfig<SecretVariableConfig>().unprotectedKeys ?? [];
      if (args.props.protected !== true && !exempt.includes(key)) {
        report(
          `variable ${key} looks secret but is not protected; set protected to true, or list it under ` +
            "unprotectedKeys in this policy's config for the stack",
        );
      }
    });
  },
});
