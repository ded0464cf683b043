/**
 * Test-only PKI: real CAs and certificates made with the `openssl` CLI, for the TLS servers the bootstrap and health
 * tests run on 127.0.0.1. No package that can sign X.509 certificates is installed (node:crypto makes keys, not
 * certificates), and the tls provider needs its plugin, so the tests shell out to openssl.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { TalosSecretsBundle } from "./secrets";

/** Key algorithms the tests use: Talos's OS CA is Ed25519, its Kubernetes CA ECDSA P-256. */
export type TestKeyType = "ed25519" | "ecdsa";

/** A certificate and its key, PEM. */
export interface TestCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A CA that issues leaf certificates. */
export interface TestCa extends TestCertificate {
  /** Issues a certificate for `subject` (e.g. `/O=os:admin`) with the given extensions, one `key=value` per line. */
  issue(name: string, subject: string, extensions: readonly string[]): TestCertificate;
}

/** A scratch directory of certificates; `dispose` removes it. */
export interface TestPki {
  /** Makes a self-signed CA. */
  ca(name: string, subject: string, keyType: TestKeyType): TestCa;
  /** Removes the directory. */
  dispose(): void;
}

function openssl(args: readonly string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function generateKey(file: string, keyType: TestKeyType): void {
  openssl(
    keyType === "ed25519"
      ? ["genpkey", "-algorithm", "ED25519", "-out", file]
      : ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file],
  );
}

/** Opens a scratch PKI in a fresh temporary directory. */
export function openTestPki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), "talos-test-pki-"));
  const file = (name: string) => path.join(dir, name);
  const read = (name: string) => readFileSync(file(name), "utf8");
  return {
    ca(name, subject, keyType) {
      generateKey(file(`${name}.key`), keyType);
      openssl([
        "req",
        "-x509",
        "-new",
        "-key",
        file(`${name}.key`),
        "-subj",
        subject,
        "-days",
        "1",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,digitalSignature",
        "-out",
        file(`${name}.crt`),
      ]);
      return {
        certPem: read(`${name}.crt`),
        keyPem: read(`${name}.key`),
        issue(leaf, leafSubject, extensions) {
          generateKey(file(`${leaf}.key`), keyType);
          openssl(["req", "-new", "-key", file(`${leaf}.key`), "-subj", leafSubject, "-out", file(`${leaf}.csr`)]);
          writeFileSync(file(`${leaf}.ext`), extensions.join("\n") + "\n");
          openssl([
            "x509",
            "-req",
            "-in",
            file(`${leaf}.csr`),
            "-CA",
            file(`${name}.crt`),
            "-CAkey",
            file(`${name}.key`),
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            file(`${leaf}.ext`),
            "-out",
            file(`${leaf}.crt`),
          ]);
          return { certPem: read(`${leaf}.crt`), keyPem: read(`${leaf}.key`) };
        },
      };
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Extensions of a server certificate for 127.0.0.1. */
export const LOCALHOST_SERVER = [
  "subjectAltName=IP:127.0.0.1",
  "keyUsage=digitalSignature",
  "extendedKeyUsage=serverAuth",
];

/** Extensions of a client certificate. */
export const CLIENT = ["keyUsage=digitalSignature", "extendedKeyUsage=clientAuth"];

const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
const pair = (name: string, keyLabel = "EC PRIVATE KEY") => ({
  certPem: pem("CERTIFICATE", `${name}-certificate`),
  keyPem: pem(keyLabel, `${name}-key`),
});

/**
 * A secrets bundle of the right shape with placeholder PEMs (each names what it stands for, with the key types
 * Talos uses: Ed25519 for the OS CA, ECDSA for the others, RSA for the service account), for renderers and
 * components that only place the values.
 */
export const PLACEHOLDER_BUNDLE: TalosSecretsBundle = {
  clusterId: "0raF93qnkMvF-FZNuvyGozXNdLiT2FOWSlyBaW4PR-w=",
  clusterSecret: "pofHbABZq7VXuObsdLdy/bHmz6hlMHZ3p8+6WKrv1ic=",
  bootstrapToken: "inn7ol.u4ehnti8qyls9ymo",
  machineToken: "d8cwfa.eyvpi0xwxyarbfid",
  secretboxEncryptionSecret: "45yd2Ke+sytiICojDf8aibTfgt99nzJmO53cjDqrCto=",
  osCa: pair("os", "PRIVATE KEY"),
  kubernetesCa: pair("kubernetes"),
  etcdCa: pair("etcd"),
  aggregatorCa: pair("aggregator"),
  serviceAccountKeyPem: pem("RSA PRIVATE KEY", "service-account"),
};
