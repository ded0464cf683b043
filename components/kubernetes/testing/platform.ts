/** What the tests of the AWS-backed platform services share: an access key, a provider, the namespaces' labels. */
import * as kubernetes from "@pulumi/kubernetes";

/** A made-up access key, as the controllers' credentials Secret holds one. */
export const AWS_KEY = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret-access-key-value" };

/** Resource options with an explicit Kubernetes provider, as the lab stack passes one. */
export const kubernetesProvider = () => ({ providers: { kubernetes: new kubernetes.Provider("k8s", {}) } });

/** The Pod Security labels of a `restricted` namespace. */
export const RESTRICTED_LABELS = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/warn": "restricted",
};
