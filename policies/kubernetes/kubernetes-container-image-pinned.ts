import { defineResourcePolicy, whenKnown } from "../policy";
import { imagePinProblem } from "./image";
import { containersOf, podSpecOf, WORKLOAD_TYPES, workloadLabel } from "./workloads";

/**
 * Every container image names an exact version: a tag that is not `latest`, or a digest. A moving tag makes every
 * pull (a new node, a rescheduled pod) potentially run different code than what was reviewed, and turns a rollback
 * into a guess.
 */
export const kubernetesContainerImagePinned = defineResourcePolicy({
  name: "kubernetes-container-image-pinned",
  description: "Every container image is pinned to a version tag other than latest, or to a digest.",
  severity: "medium",
  remediationSteps:
    "Give every image in containers and initContainers an explicit version tag (registry/app:1.4.2) or, better, a " +
    "digest (registry/app@sha256:…); bump it through a merge request, never by pushing a moving tag.",
  url: "https://kubernetes.io/docs/concepts/containers/images/#image-names",
  area: "kubernetes",
  types: WORKLOAD_TYPES,
  check: (args, report) => {
    const workload = workloadLabel(args.type, args.props, args.name);
    for (const container of containersOf(podSpecOf(args.type, args.props))) {
      whenKnown(() => {
        const image = container.props.image;
        if (typeof image !== "string") return;
        const problem = imagePinProblem(image);
        if (problem !== undefined) {
          report(`${workload}: ${container.label} image '${image}' ${problem}; pin a version tag or a digest`);
        }
      });
    }
  },
});
