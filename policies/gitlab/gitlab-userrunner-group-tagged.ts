import { asList, defineResourcePolicy, whenKnown } from "../policy";

/**
 * Runners are group runners that take only tagged jobs: `group_type`, so they serve the group's projects and no
 * other, with a non-empty tag list, so a job lands on a runner only when it asks for that kind of runner. A runner
 * without tags that also runs untagged jobs would take every job of the group, privileged deploy jobs included.
 */
export const gitlabUserRunnerGroupTagged = defineResourcePolicy({
  name: "gitlab-userrunner-group-tagged",
  description: "GitLab runners are group runners with a non-empty tag list.",
  severity: "high",
  remediationSteps:
    "Register the runner with runnerType group_type on the group and give it the tags of the jobs it is for " +
    "(components/gitlab/user-runner.ts UserRunner takes tagList); leave runUntagged false unless the tags make " +
    "it specific.",
  url: "https://docs.gitlab.com/ci/runners/configure_runners/#control-jobs-that-a-runner-can-run",
  area: "gitlab",
  types: ["pulumi-nodejs:dynamic/gitlab:UserRunner"],
  check: (args, report) => {
    const description = whenKnown(() => args.props.description);
    const runner = `runner ${typeof description === "string" && description !== "" ? `'${description}'` : args.name}`;
    whenKnown(() => {
      const type = args.props.runnerType;
      if (type !== "group_type") {
        report(`${runner} is of type ${JSON.stringify(type ?? null)}; register it as a group_type runner`);
      }
    });
    whenKnown(() => {
      if (asList(args.props.tagList as unknown[]).length > 0) return;
      report(
        args.props.runUntagged === true
          ? `${runner} has no tags and runs untagged jobs, so it takes every job of the group; give it tags and ` +
              "set runUntagged to false"
          : `${runner} has no tags; give it the tags of the jobs it is for`,
      );
    });
  },
});
