/**
 * Real keys and certificates for the stand-in of the `tls` provider. The offline plan's placeholders are enough for
 * every other use, but the lab's Talos bootstrap and health gate open mutual TLS connections with what the stack's
 * `tls` resources made, so in the engine run those must be real: Ed25519, ECDSA P-256 and RSA keys in the PEM
 * forms the tls provider outputs, and X.509 certificates and requests with the subject, SANs, key usages and
 * validity it was asked for (https://registry.terraform.io/providers/hashicorp/tls/latest/docs).
 *
 * Keys come from node:crypto; certificates from `@peculiar/x509` on Node's WebCrypto, since node:crypto reads
 * certificates but cannot make them.
 */
import "reflect-metadata";
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { reveal, Secret, Value } from "../plan/values";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type Props = Record<string, Value>;
type CryptoKey = webcrypto.CryptoKey;

function text(value: Value): string {
  const plain = reveal(value);
  return typeof plain === "string" ? plain : "";
}

function list(value: Value): string[] {
  const plain = reveal(value);
  return Array.isArray(plain) ? plain.map(String) : [];
}

/** SSH wire encoding: a length-prefixed string. */
function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** SSH wire encoding of a positive big integer (`mpint`). */
function sshMpint(bytes: Buffer): Buffer {
  let trimmed = bytes;
  while (trimmed.length > 1 && trimmed[0] === 0) trimmed = trimmed.subarray(1);
  return sshString(trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** The public key blob and its OpenSSH type name (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4). */
function sshPublicBlob(key: KeyObject): { type: string; blob: Buffer } {
  const jwk = key.export({ format: "jwk" }) as {
    kty: string;
    crv?: string;
    x?: string;
    y?: string;
    n?: string;
    e?: string;
  };
  const b = (s: string | undefined) => Buffer.from(s ?? "", "base64url");
  if (jwk.kty === "OKP")
    return { type: "ssh-ed25519", blob: Buffer.concat([sshString("ssh-ed25519"), sshString(b(jwk.x))]) };
  if (jwk.kty === "EC") {
    const point = Buffer.concat([Buffer.from([4]), b(jwk.x), b(jwk.y)]);
    const type = "ecdsa-sha2-nistp256";
    return { type, blob: Buffer.concat([sshString(type), sshString("nistp256"), sshString(point)]) };
  }
  return { type: "ssh-rsa", blob: Buffer.concat([sshString("ssh-rsa"), sshMpint(b(jwk.e)), sshMpint(b(jwk.n))]) };
}

/**
 * An Ed25519 private key in OpenSSH's own format (`openssh-key-v1`, unencrypted), as the tls provider writes
 * `private_key_openssh` (https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.key).
 */
function ed25519OpenSsh(key: KeyObject): string {
  const jwk = key.export({ format: "jwk" }) as { d: string; x: string };
  const seed = Buffer.from(jwk.d, "base64url");
  const pub = Buffer.from(jwk.x, "base64url");
  const { blob } = sshPublicBlob(createPublicKey(key));
  const check = createHash("sha256").update(seed).digest().subarray(0, 4);
  let secret = Buffer.concat([
    check,
    check,
    sshString("ssh-ed25519"),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(""),
  ]);
  for (let pad = 1; secret.length % 8 !== 0; pad++) secret = Buffer.concat([secret, Buffer.from([pad])]);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    Buffer.from([0, 0, 0, 1]),
    sshString(blob),
    sshString(secret),
  ]);
  const lines = body.toString("base64").match(/.{1,70}/g) ?? [];
  return ["-----BEGIN OPENSSH PRIVATE KEY-----", ...lines, "-----END OPENSSH PRIVATE KEY-----", ""].join("\n");
}

/** The outputs of a `tls` resource of `type` with real material, or undefined for a type not made here. */
export async function tlsOutputs(type: string, inputs: Props): Promise<Props | undefined> {
  switch (type) {
    case "tls:index/privateKey:PrivateKey":
      return privateKey(inputs);
    case "tls:index/selfSignedCert:SelfSignedCert":
      return selfSignedCert(inputs);
    case "tls:index/certRequest:CertRequest":
      return certRequest(inputs);
    case "tls:index/locallySignedCert:LocallySignedCert":
      return locallySignedCert(inputs);
    default:
      return undefined;
  }
}

/** A `tls:index/privateKey:PrivateKey`'s outputs for its inputs. */
export function privateKey(inputs: Props): Props {
  const algorithm = text(inputs.algorithm) || "RSA";
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  if (algorithm === "ED25519") pair = generateKeyPairSync("ed25519");
  else if (algorithm === "ECDSA") {
    const curve = text(inputs.ecdsaCurve) || "P224";
    pair = generateKeyPairSync("ec", {
      namedCurve: { P224: "P-224", P256: "P-256", P384: "P-384", P521: "P-521" }[curve] ?? "P-256",
    });
  } else pair = generateKeyPairSync("rsa", { modulusLength: Number(reveal(inputs.rsaBits) ?? 2048) });
  const pem = (format: "pkcs1" | "sec1" | "pkcs8") =>
    pair.privateKey.export({ format: "pem", type: format }).toString();
  const ssh = sshPublicBlob(pair.publicKey);
  const fingerprint = createHash("sha256").update(ssh.blob).digest("base64").replace(/=+$/, "");
  const md5 = createHash("md5")
    .update(ssh.blob)
    .digest("hex")
    .replace(/(..)(?!$)/g, "$1:");
  return {
    ...inputs,
    privateKeyPem: new Secret(pem(algorithm === "RSA" ? "pkcs1" : algorithm === "ECDSA" ? "sec1" : "pkcs8")),
    privateKeyPemPkcs8: new Secret(pem("pkcs8")),
    privateKeyOpenssh: new Secret(algorithm === "ED25519" ? ed25519OpenSsh(pair.privateKey) : pem("pkcs8")),
    publicKeyPem: pair.publicKey.export({ format: "pem", type: "spki" }).toString(),
    publicKeyOpenssh: `${ssh.type} ${ssh.blob.toString("base64")}\n`,
    publicKeyFingerprintSha256: `SHA256:${fingerprint}`,
    publicKeyFingerprintMd5: md5,
  };
}

/** The WebCrypto algorithm of a key, with the hash its signatures use (SHA-256, as the tls provider's). */
type Algorithm = { name: string; namedCurve?: string; hash?: string };

function algorithmOf(key: KeyObject): Algorithm {
  if (key.asymmetricKeyType === "ed25519") return { name: "Ed25519" };
  if (key.asymmetricKeyType === "ec") return { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
}

async function signingKey(pem: string): Promise<{ key: CryptoKey; algorithm: Algorithm }> {
  const key = createPrivateKey(pem);
  const algorithm = algorithmOf(key);
  const der = key.export({ format: "der", type: "pkcs8" });
  return { key: await webcrypto.subtle.importKey("pkcs8", der, algorithm, true, ["sign"]), algorithm };
}

async function publicCryptoKey(key: KeyObject): Promise<CryptoKey> {
  const der = key.export({ format: "der", type: "spki" });
  return webcrypto.subtle.importKey("spki", der, algorithmOf(key), true, ["verify"]);
}

const SUBJECT_FIELDS: readonly [string, string][] = [
  ["commonName", "CN"],
  ["organization", "O"],
  ["organizationalUnit", "OU"],
  ["locality", "L"],
  ["province", "ST"],
  ["country", "C"],
  ["streetAddress", "street"],
  ["postalCode", "postalCode"],
  ["serialNumber", "serialNumber"],
];

function distinguishedName(subject: Value): string {
  const fields = (reveal(subject) ?? {}) as Record<string, unknown>;
  const parts = SUBJECT_FIELDS.filter(([key]) => typeof fields[key] === "string" && fields[key] !== "").map(
    ([key, short]) => `${short}=${String(fields[key]).replace(/([,+"\\<>;=])/g, "\\$1")}`,
  );
  return parts.join(", ");
}

const KEY_USAGES: Readonly<Record<string, number>> = {
  digital_signature: x509.KeyUsageFlags.digitalSignature,
  content_commitment: x509.KeyUsageFlags.nonRepudiation,
  key_encipherment: x509.KeyUsageFlags.keyEncipherment,
  data_encipherment: x509.KeyUsageFlags.dataEncipherment,
  key_agreement: x509.KeyUsageFlags.keyAgreement,
  cert_signing: x509.KeyUsageFlags.keyCertSign,
  crl_signing: x509.KeyUsageFlags.cRLSign,
  encipher_only: x509.KeyUsageFlags.encipherOnly,
  decipher_only: x509.KeyUsageFlags.decipherOnly,
};

const EXTENDED_USAGES: Readonly<Record<string, string>> = {
  server_auth: "1.3.6.1.5.5.7.3.1",
  client_auth: "1.3.6.1.5.5.7.3.2",
  code_signing: "1.3.6.1.5.5.7.3.3",
  email_protection: "1.3.6.1.5.5.7.3.4",
  timestamping: "1.3.6.1.5.5.7.3.8",
  ocsp_signing: "1.3.6.1.5.5.7.3.9",
};

function sans(inputs: Props): x509.JsonGeneralName[] {
  return [
    ...list(inputs.dnsNames).map((value) => ({ type: "dns" as const, value })),
    ...list(inputs.ipAddresses).map((value) => ({ type: "ip" as const, value })),
    ...list(inputs.uris).map((value) => ({ type: "url" as const, value })),
  ];
}

async function extensions(inputs: Props, subjectKey: CryptoKey, issuerKey?: CryptoKey): Promise<x509.Extension[]> {
  const out: x509.Extension[] = [];
  const isCa = reveal(inputs.isCaCertificate) === true;
  if (isCa) out.push(new x509.BasicConstraintsExtension(true, undefined, true));
  const uses = list(inputs.allowedUses);
  const flags = uses.reduce((acc, use) => acc | (KEY_USAGES[use] ?? 0), 0);
  if (flags) out.push(new x509.KeyUsagesExtension(flags, true));
  const extended = uses.map((use) => EXTENDED_USAGES[use]).filter(Boolean);
  if (extended.length) out.push(new x509.ExtendedKeyUsageExtension(extended, false));
  const names = sans(inputs);
  if (names.length) out.push(new x509.SubjectAlternativeNameExtension(names, false));
  if (reveal(inputs.setSubjectKeyId) === true) out.push(await x509.SubjectKeyIdentifierExtension.create(subjectKey));
  if (issuerKey && reveal(inputs.setAuthorityKeyId) !== false && isCa === false) {
    out.push(await x509.AuthorityKeyIdentifierExtension.create(issuerKey));
  }
  return out;
}

function validity(inputs: Props): { notBefore: Date; notAfter: Date } {
  const hours = Number(reveal(inputs.validityPeriodHours) ?? 24);
  const notBefore = new Date();
  return { notBefore, notAfter: new Date(notBefore.getTime() + hours * 3_600_000) };
}

function serial(): string {
  return createHash("sha256")
    .update(`${Date.now()}-${Math.random()}`)
    .digest("hex")
    .slice(0, 32)
    .replace(/^[89a-f]/, "7");
}

function certificateOutputs(inputs: Props, cert: x509.X509Certificate): Props {
  return {
    ...inputs,
    certPem: cert.toString("pem") + "\n",
    validityStartTime: cert.notBefore.toISOString(),
    validityEndTime: cert.notAfter.toISOString(),
    readyForRenewal: false,
  };
}

/** A `tls:index/selfSignedCert:SelfSignedCert`'s outputs. */
export async function selfSignedCert(inputs: Props): Promise<Props> {
  const { key, algorithm } = await signingKey(text(inputs.privateKeyPem));
  const publicKey = await publicCryptoKey(createPublicKey(text(inputs.privateKeyPem)));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: distinguishedName(inputs.subject),
    issuer: distinguishedName(inputs.subject),
    ...validity(inputs),
    signingAlgorithm: algorithm,
    publicKey,
    signingKey: key,
    extensions: await extensions(inputs, publicKey),
  });
  return certificateOutputs(inputs, cert);
}

/** A `tls:index/certRequest:CertRequest`'s outputs. */
export async function certRequest(inputs: Props): Promise<Props> {
  const pem = text(inputs.privateKeyPem);
  const { key, algorithm } = await signingKey(pem);
  const publicKey = await publicCryptoKey(createPublicKey(pem));
  const names = sans(inputs);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: distinguishedName(inputs.subject),
    keys: { privateKey: key, publicKey },
    signingAlgorithm: algorithm,
    extensions: names.length ? [new x509.SubjectAlternativeNameExtension(names, false)] : [],
  });
  return { ...inputs, certRequestPem: csr.toString("pem") + "\n" };
}

/** A `tls:index/locallySignedCert:LocallySignedCert`'s outputs: the request's subject, key and SANs, signed. */
export async function locallySignedCert(inputs: Props): Promise<Props> {
  const csr = new x509.Pkcs10CertificateRequest(text(inputs.certRequestPem));
  const ca = new x509.X509Certificate(text(inputs.caCertPem));
  const { key, algorithm } = await signingKey(text(inputs.caPrivateKeyPem));
  const publicKey = await csr.publicKey.export();
  const caPublicKey = await ca.publicKey.export();
  const raw = csr.getExtension("2.5.29.17");
  const requested = raw ? new x509.SubjectAlternativeNameExtension(raw.rawData) : undefined;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: csr.subject,
    issuer: ca.subject,
    ...validity(inputs),
    signingAlgorithm: algorithm,
    publicKey,
    signingKey: key,
    extensions: [
      ...(await extensions({ ...inputs, setAuthorityKeyId: true }, publicKey, caPublicKey)),
      ...(requested ? [requested] : []),
    ],
  });
  return certificateOutputs(inputs, cert);
}

/** Issues a leaf certificate from a CA's PEMs, for the doubles' TLS servers. */
export async function issue(
  ca: { certPem: string; keyPem: string },
  subject: { commonName?: string; organization?: string },
  options: { ipAddresses?: string[]; dnsNames?: string[]; uses: string[] },
): Promise<{ certPem: string; keyPem: string }> {
  const caKey = createPrivateKey(ca.keyPem);
  const keyType = caKey.asymmetricKeyType === "ed25519" ? "ED25519" : "ECDSA";
  const leaf = privateKey({ algorithm: keyType, ecdsaCurve: "P256" });
  const keyPem = reveal(leaf.privateKeyPem) as string;
  const request = await certRequest({ privateKeyPem: keyPem, subject, ipAddresses: [], dnsNames: [] });
  const signed = await locallySignedCert({
    certRequestPem: request.certRequestPem,
    caCertPem: ca.certPem,
    caPrivateKeyPem: ca.keyPem,
    validityPeriodHours: 24,
    allowedUses: options.uses,
    ipAddresses: options.ipAddresses ?? [],
    dnsNames: options.dnsNames ?? [],
  });
  return { certPem: signed.certPem as string, keyPem };
}
