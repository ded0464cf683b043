import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { reveal, Secret } from "../plan/values";
import { certRequest, issue, locallySignedCert, privateKey, selfSignedCert } from "./tls-material";

const text = (value: unknown) => reveal(value) as string;

describe("privateKey", () => {
  it.each([
    ["ED25519", {}, "ed25519", "-----BEGIN PRIVATE KEY-----", "ssh-ed25519 "],
    ["ECDSA", { ecdsaCurve: "P256" }, "ec", "-----BEGIN EC PRIVATE KEY-----", "ecdsa-sha2-nistp256 "],
    ["RSA", { rsaBits: 2048 }, "rsa", "-----BEGIN RSA PRIVATE KEY-----", "ssh-rsa "],
  ])("%s: the PEM forms and the OpenSSH public key the tls provider outputs", (algorithm, extra, type, header, ssh) => {
    const out = privateKey({ algorithm, ...extra });
    expect(out.privateKeyPem).toBeInstanceOf(Secret);
    expect(text(out.privateKeyPem).startsWith(header)).toBe(true);
    expect(createPrivateKey(text(out.privateKeyPem)).asymmetricKeyType).toBe(type);
    expect(createPublicKey(out.publicKeyPem as string).asymmetricKeyType).toBe(type);
    expect((out.publicKeyOpenssh as string).startsWith(ssh)).toBe(true);
    expect(out.publicKeyFingerprintSha256).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it("writes an Ed25519 key in OpenSSH's own format, holding the same public key", () => {
    const out = privateKey({ algorithm: "ED25519" });
    const lines = text(out.privateKeyOpenssh).trim().split("\n");
    expect([lines[0], lines[lines.length - 1]]).toEqual([
      "-----BEGIN OPENSSH PRIVATE KEY-----",
      "-----END OPENSSH PRIVATE KEY-----",
    ]);
    const body = Buffer.from(lines.slice(1, -1).join(""), "base64");
    expect(body.subarray(0, 15).toString()).toBe("openssh-key-v1\0");
    const blob = Buffer.from((out.publicKeyOpenssh as string).split(" ")[1], "base64");
    expect(body.includes(blob)).toBe(true);
  });
});

describe("certificates", () => {
  it("signs a CA, a request and a leaf the way the tls provider does", async () => {
    const caKey = privateKey({ algorithm: "ED25519" });
    const ca = await selfSignedCert({
      privateKeyPem: caKey.privateKeyPem,
      isCaCertificate: true,
      setSubjectKeyId: true,
      validityPeriodHours: 48,
      allowedUses: ["cert_signing", "digital_signature"],
      subject: { organization: "talos" },
    });
    const caCert = new X509Certificate(ca.certPem as string);
    expect([caCert.subject, caCert.ca]).toEqual(["O=talos", true]);
    expect(new Date(ca.validityEndTime as string).getTime() - new Date(ca.validityStartTime as string).getTime()).toBe(
      48 * 3_600_000,
    );

    const leafKey = privateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    const request = await certRequest({ privateKeyPem: leafKey.privateKeyPem, subject: { organization: "os:admin" } });
    const leaf = await locallySignedCert({
      certRequestPem: request.certRequestPem,
      caCertPem: ca.certPem,
      caPrivateKeyPem: caKey.privateKeyPem,
      validityPeriodHours: 24,
      allowedUses: ["digital_signature", "client_auth"],
    });
    const leafCert = new X509Certificate(leaf.certPem as string);
    expect([leafCert.subject, leafCert.ca, leafCert.checkIssued(caCert), leafCert.verify(caCert.publicKey)]).toEqual([
      "O=os:admin",
      false,
      true,
      true,
    ]);
  });

  it("issues a server certificate for an address from a CA's PEMs", async () => {
    const caKey = privateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    const ca = await selfSignedCert({
      privateKeyPem: caKey.privateKeyPem,
      isCaCertificate: true,
      allowedUses: ["cert_signing"],
    });
    const server = await issue(
      { certPem: ca.certPem as string, keyPem: text(caKey.privateKeyPem) },
      { commonName: "api" },
      {
        ipAddresses: ["127.0.0.10"],
        uses: ["server_auth"],
      },
    );
    const cert = new X509Certificate(server.certPem);
    expect([cert.subject, cert.subjectAltName, cert.checkIssued(new X509Certificate(ca.certPem as string))]).toEqual([
      "CN=api",
      "IP Address:127.0.0.10",
      true,
    ]);
  });
});
