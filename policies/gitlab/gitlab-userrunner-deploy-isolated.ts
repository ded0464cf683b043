import { asList, defineStackPolicy, whenKnown } from "../policy";

const RUNNER_TYPE = "pulumi-nodejs:dynamic/gitlab:UserRunner";

function label(props: Record<string, unknown>, name: string): string {
  const description = whenKnown(() => props.description);
  return `runner ${typeof description === "string" && description !== "" ? `'${description}'` : name}`;
}

/**
 * A runner that takes protected refs only (`ref_protected`) runs the jobs that hold deploy credentials, on the host
 * that holds every runner token. It is locked to its project, so no other project of the group can take it, and its
 * tags are its own: a tag another runner also has would let that runner's jobs land on it, or send its deploy jobs
 * to a runner whose host runs untrusted code (docs/runbooks/runner.md, "Who runs where").
 */
export const gitlabUserRunnerDeployIsolated = defineStackPolicy({
  name: "gitlab-userrunner-deploy-isolated",
  description: "Runners for protected refs are locked to their project and share no tag with another runner.",
  severity: "critical",
  remediationSteps:
    "Set locked: true on the deploy runner (foundation:runners.deploy.locked in Pulumi.group.yaml) and give it tags " +
    "no pool or other runner has; run untrusted and docker-in-docker jobs on the pools.",
  url: "https://docs.gitlab.com/ci/runners/configure_runners/#prevent-runners-from-revealing-sensitive-information",
  area: "gitlab",
  check: (args, report) => {
    const runners = args.resources.filter((r) => r.type === RUNNER_TYPE);
    for (const runner of runners) {
      const isProtected = whenKnown(() => runner.props.accessLevel === "ref_protected");
      if (isProtected !== true) continue;
      const name = label(runner.props, runner.name);
      whenKnown(() => {
        if (runner.props.locked !== true) {
          report(`${name} runs protected refs but is not locked to its project; set locked to true`, runner.urn);
        }
      });
      const tags = whenKnown(() => asList(runner.props.tagList as string[])) ?? [];
      for (const other of runners.filter((r) => r !== runner)) {
        const shared = tags.filter((tag) =>
          (whenKnown(() => asList(other.props.tagList as string[])) ?? []).includes(tag),
        );
        if (shared.length > 0) {
          report(
            `${name} runs protected refs and shares ${shared.map((t) => `'${t}'`).join(", ")} with ` +
              `${label(other.props, other.name)}; give it tags of its own`,
            runner.urn,
          );
        }
      }
    }
  },
});
