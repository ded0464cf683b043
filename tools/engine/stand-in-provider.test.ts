import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { Secret } from "../plan/values";
import { existingKey, readExisting, writeExisting } from "./existing";
import { providerService, StandIn, urnParts } from "./stand-in-provider";

const URN = (type: string, name: string) => `urn:pulumi:aws::foundation::foundation:aws:Thing$${type}::${name}`;

describe("urnParts", () => {
  it("takes the type token after the parent types and the name after it", () => {
    expect(urnParts(URN("aws:s3/bucket:Bucket", "cache"))).toEqual({ type: "aws:s3/bucket:Bucket", name: "cache" });
  });
});

describe("StandIn", () => {
  it("creates with the offline plan's values, in the configured region", async () => {
    const standIn = new StandIn({ name: "aws", version: "7.48.0" });
    standIn.configure({ region: "eu-central-1" });
    const { id, state } = await standIn.create(URN("aws:kms/alias:Alias", "state"), { name: "alias/foundation-state" });
    expect(id).toBe("alias/foundation-state");
    expect(state.arn).toBe("arn:aws:kms:eu-central-1:123456789012:alias/foundation-state");
  });

  it("reports the replacements the offline plan knows, and nothing for an in-place change", () => {
    const standIn = new StandIn({ name: "aws", version: "7.48.0" });
    const urn = URN("aws:s3/bucket:Bucket", "cache");
    expect(standIn.diff(urn, { bucket: "a", tags: { x: "1" } }, { bucket: "b", tags: { x: "1" } })).toEqual(["bucket"]);
    expect(standIn.diff(urn, { bucket: "a", tags: { x: "1" } }, { bucket: "a", tags: { x: "2" } })).toEqual([]);
  });

  it("reads an adopted object back as it was declared to exist, and a missing one as gone", () => {
    const existing = new Map([
      [existingKey("aws:organizations/organization:Organization", "o-1"), { featureSet: "ALL" }],
    ]);
    const standIn = new StandIn({ name: "aws", version: "7.48.0" }, existing);
    const urn = URN("aws:organizations/organization:Organization", "org");
    const read = standIn.read(urn, "o-1", {}, undefined);
    expect(read.id).toBe("o-1");
    expect(read.inputs).toEqual({ featureSet: "ALL" });
    expect(read.props).toMatchObject({ id: "o-1", featureSet: "ALL", masterAccountId: "123456789012" });
    expect(standIn.read(urn, "o-2", {}, undefined)).toEqual({ id: "", props: {} });
  });

  it("refreshes a resource it has state for to that state", () => {
    const standIn = new StandIn({ name: "aws", version: "7.48.0" });
    expect(standIn.read(URN("aws:s3/bucket:Bucket", "b"), "b", { bucket: "b" }, { bucket: "b" })).toEqual({
      id: "b",
      props: { bucket: "b" },
      inputs: { bucket: "b" },
    });
  });

  it("makes real keys and certificates for the tls provider", async () => {
    const standIn = new StandIn({ name: "tls", version: "5.6.1" });
    const key = await standIn.create(URN("tls:index/privateKey:PrivateKey", "ca-key"), {
      algorithm: "ECDSA",
      ecdsaCurve: "P256",
    });
    const pem = (key.state.privateKeyPem as Secret).value as string;
    expect(createPrivateKey(pem).asymmetricKeyDetails).toEqual({ namedCurve: "prime256v1" });
    const ca = await standIn.create(URN("tls:index/selfSignedCert:SelfSignedCert", "ca"), {
      privateKeyPem: new Secret(pem),
      isCaCertificate: true,
      validityPeriodHours: 24,
      allowedUses: ["cert_signing"],
      subject: { organization: "kubernetes" },
    });
    const cert = new X509Certificate(ca.state.certPem as string);
    expect([cert.subject, cert.ca]).toEqual(["O=kubernetes", true]);
  });
});

describe("existing objects", () => {
  it("round-trip through the file the engine run writes, secrets kept secret", () => {
    const dir = mkdtempSync(join(tmpdir(), "foundation-existing-"));
    const file = join(dir, "existing.json");
    writeExisting(file, [
      {
        resources: [
          {
            type: "aws:organizations/account:Account",
            importId: "210987654321",
            inputs: { email: "a@example.com", token: new Secret("s") },
          },
          { type: "aws:s3/bucket:Bucket", importId: null, inputs: { bucket: "b" } },
        ] as never,
      },
    ]);
    const read = readExisting(file);
    rmSync(dir, { recursive: true, force: true });
    expect([...read.keys()]).toEqual(["aws:organizations/account:Account/210987654321"]);
    expect(read.get("aws:organizations/account:Account/210987654321")).toEqual({
      email: "a@example.com",
      token: new Secret("s"),
    });
    expect(readExisting(undefined).size).toBe(0);
    expect(readExisting(file).size).toBe(0);
  });
});

describe("the gRPC service", () => {
  let server: grpc.Server;
  let client: provrpc.ResourceProviderClient;

  beforeAll(async () => {
    server = new grpc.Server();
    server.addService(
      provrpc.ResourceProviderService,
      providerService(new StandIn({ name: "aws", version: "7.48.0" })),
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  const call = <Req, Res>(method: (req: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown, req: Req) =>
    new Promise<Res>((resolve, reject) => method.call(client, req, (e, r) => (e ? reject(e) : resolve(r))));

  it("answers a diff with the forced replacements and leaves the rest of the diff to the engine", async () => {
    const req = new provproto.DiffRequest();
    req.setUrn(URN("aws:kms/alias:Alias", "state"));
    req.setOldInputs(structproto.Struct.fromJavaScript({ name: "alias/a", targetKeyId: "k" }));
    req.setOlds(structproto.Struct.fromJavaScript({ name: "alias/a", targetKeyId: "k", arn: "arn" }));
    req.setNews(structproto.Struct.fromJavaScript({ name: "alias/b", targetKeyId: "k" }));
    const res = await call<provproto.DiffRequest, provproto.DiffResponse>(client.diff, req);
    expect(res.getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_UNKNOWN);
    expect(res.getReplacesList()).toEqual(["name"]);
  });

  it("creates with the configured provider's region and answers invokes", async () => {
    const configure = new provproto.ConfigureRequest();
    configure.setArgs(structproto.Struct.fromJavaScript({ region: "eu-west-1" }));
    const configured = await call<provproto.ConfigureRequest, provproto.ConfigureResponse>(client.configure, configure);
    expect([configured.getAcceptsecrets(), configured.getSupportspreview()]).toEqual([true, false]);
    const create = new provproto.CreateRequest();
    create.setUrn(URN("aws:iam/role:Role", "deploy"));
    create.setProperties(structproto.Struct.fromJavaScript({ name: "foundation-deploy", path: "/foundation/" }));
    const created = await call<provproto.CreateRequest, provproto.CreateResponse>(client.create, create);
    expect(created.getId()).toBe("foundation-deploy");
    expect(created.getProperties()?.toJavaScript().arn).toBe(
      "arn:aws:iam::123456789012:role/foundation/foundation-deploy",
    );
    const invoke = new provproto.InvokeRequest();
    invoke.setTok("aws:index/getRegion:getRegion");
    const region = await call<provproto.InvokeRequest, provproto.InvokeResponse>(client.invoke, invoke);
    expect(region.getReturn()?.toJavaScript().name).toBe("eu-west-1");
  });

  it("fails an invoke it has no value for with the offline plan's message", async () => {
    const invoke = new provproto.InvokeRequest();
    invoke.setTok("aws:index/getAmi:getAmi");
    await expect(call(client.invoke, invoke)).rejects.toThrow(
      "the offline plan has no synthetic result for invoke 'aws:index/getAmi:getAmi'",
    );
  });
});
