import { asList, asObject, defineStackPolicy, whenKnown } from "../policy";
import { looksSecret } from "../secret-names";
import { STACK_REFERENCE_TYPE, targetOf } from "./stack-references";

/**
 * Stack outputs whose names say they hold credentials (`kubeconfig`, `runnerToken`, `caKeyPem`; policies/secret-names.ts) are secrets. CrossGuard
 * shows a policy every value already unwrapped, so a stack's own outputs cannot be checked for secretness; the
 * stack reference of the stack that reads them can: its `secretOutputNames` lists the upstream outputs that are
 * secret. So the check runs in the reading stack and names the upstream output; every output that crosses the
 * phase graph, which is every output that matters, is covered.
 */
export const pulumiStackReferenceSecretOutputs = defineStackPolicy({
  name: "pulumi-stackreference-secret-outputs",
  description: "Stack outputs whose names look secret are Pulumi secrets in the stack that reads them.",
  severity: "critical",
  remediationSteps:
    "Export the value with pulumi.secret(...) in the upstream stack (docs/architecture.md, Secrets: secrets stay " +
    "secret all the way to outputs); a value derived from a secret input is secret already unless an apply " +
    "unwrapped it into a plain string. Rotate the credential if it was ever exported in plain text: it is in the state file.",
  url: "https://www.pulumi.com/docs/iac/concepts/secrets/#using-secrets-with-stack-references",
  area: "stack",
  check: (args, report) => {
    for (const reference of args.resources.filter((r) => r.type === STACK_REFERENCE_TYPE)) {
      const target = targetOf(reference);
      whenKnown(() => {
        const secret = asList(reference.props.secretOutputNames as string[]);
        const plain = Object.keys(asObject(reference.props.outputs)).filter(
          (name) => looksSecret(name) && !secret.includes(name),
        );
        if (plain.length > 0) {
          report(
            `'${target?.name ?? reference.name}' exports ${plain.join(", ")} in plain text; export ` +
              `${plain.length === 1 ? "it" : "them"} with pulumi.secret`,
            reference.urn,
          );
        }
      });
    }
  },
});
