import { looksSecret, wordsOf } from "./secret-names";

describe("looksSecret", () => {
  it.each([
    "kubeconfig",
    "talosconfig",
    "runnerToken",
    "caKeyPem",
    "adminPassword",
    "sshPrivateKey",
    "AWS_SECRET_ACCESS_KEY",
    "FOUNDATION_GITLAB_OWNER_TOKEN",
    "api-token",
  ])("%s names a credential", (name) => {
    expect(looksSecret(name)).toBe(true);
  });

  it.each([
    "stateKeyArn",
    "kmsKeyArns",
    "labSecretNames",
    "tokenExpiresAt",
    "gitopsDeployPublicKey",
    "AWS_ACCESS_KEY_ID",
    "FOUNDATION_SECRETS_PROVIDER",
    "monkey",
    "",
  ])("%j names no credential", (name) => {
    expect(looksSecret(name)).toBe(false);
  });

  it("splits camel case, snake case and kebab case into words", () => {
    expect(wordsOf("caKeyPem")).toEqual(["ca", "key", "pem"]);
    expect(wordsOf("AWS_SECRET_ACCESS_KEY")).toEqual(["aws", "secret", "access", "key"]);
    expect(wordsOf("api-token2")).toEqual(["api", "token2"]);
  });
});
