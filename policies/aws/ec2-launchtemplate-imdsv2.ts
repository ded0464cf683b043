import { asObject, defineResourcePolicy } from "../policy";

/**
 * Instances require IMDSv2 session tokens, which stop the SSRF and open-proxy tricks that read IMDSv1 credentials;
 * the runner fleet's job containers are exactly such untrusted code: the fleet's instances run the jobs themselves
 * (https://docs.gitlab.com/runner/executors/docker_autoscaler/).
 * A template that turns the metadata service off entirely passes too.
 */
export const ec2LaunchTemplateImdsv2 = defineResourcePolicy({
  name: "ec2-launchtemplate-imdsv2",
  description: "EC2 launch templates and instances require IMDSv2 session tokens.",
  severity: "high",
  remediationSteps:
    'Set metadataOptions { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } on the ' +
    "launch template or instance; a hop limit of 1 also keeps containers on the host from reaching the service.",
  url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html",
  area: "aws",
  types: ["aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"],
  check: (args, report) => {
    const options = asObject(args.props.metadataOptions);
    if (options.httpEndpoint === "disabled") return;
    if (options.httpTokens !== "required") {
      const kind = args.type === "aws:ec2/instance:Instance" ? "instance" : "launch template";
      report(`${kind} ${args.name} allows IMDSv1; set metadataOptions.httpTokens to "required"`);
    }
  },
});
