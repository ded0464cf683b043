/**
 * Whether a name (a CI/CD variable key, a stack output) says that its value is a credential. The last word decides:
 * `runnerToken`, `AWS_SECRET_ACCESS_KEY`, `caKeyPem` and `kubeconfig` name credentials, while `stateKeyArn`,
 * `labSecretNames`, `AWS_ACCESS_KEY_ID` and `tokenExpiresAt` name things about one; a `public` key is not secret.
 */

/** Last words that name a credential. */
const SECRET_WORDS = [
  "token",
  "secret",
  "password",
  "passwd",
  "passphrase",
  "key",
  "pem",
  "credential",
  "credentials",
  "kubeconfig",
  "talosconfig",
];

/** The words of a name: split at camel case, digits stay with their word, and at anything not a letter or digit. */
export function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "");
}

/** True when `name` reads as the name of a credential (see the module comment). */
export function looksSecret(name: string): boolean {
  const words = wordsOf(name);
  return words.length > 0 && SECRET_WORDS.includes(words[words.length - 1]) && !words.includes("public");
}
