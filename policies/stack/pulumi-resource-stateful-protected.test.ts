import { ResourceFixture, runResourcePolicy } from "../testing";
import { pulumiResourceStatefulProtected } from "./pulumi-resource-stateful-protected";

const run = (fixture: ResourceFixture, protect: boolean) =>
  runResourcePolicy(pulumiResourceStatefulProtected, { ...fixture, opts: { protect } });

const STATEFUL: [string, ResourceFixture][] = [
  ["KMS key", { type: "aws:kms/key:Key", name: "state-kms-key", props: { enableKeyRotation: true } }],
  [
    "state bucket",
    {
      type: "aws:s3/bucket:Bucket",
      name: "state-bucket",
      parentTypes: ["foundation:aws:StateBackend", "foundation:aws:PrivateBucket"],
      props: { bucket: "mson-foundation-state" },
    },
  ],
  [
    "Talos secret",
    {
      type: "tls:index/privateKey:PrivateKey",
      name: "lab-os-ca-key",
      parentTypes: ["foundation:talos:Secrets"],
      props: {},
    },
  ],
  ["GitLab project", { type: "pulumi-nodejs:dynamic/gitlab:Project", name: "gitops-project", props: {} }],
  ["data volume", { type: "kubernetes:core/v1:PersistentVolumeClaim", name: "eve-data", props: {} }],
  ["data volume", { type: "kubernetes:core/v1:PersistentVolume", name: "eve-pv", props: {} }],
];

describe("pulumi-resource-stateful-protected", () => {
  it.each(STATEFUL)("passes a protected %s", async (_kind, fixture) => {
    expect(await run(fixture, true)).toEqual([]);
  });

  it.each(STATEFUL)("fails an unprotected %s", async (kind, fixture) => {
    expect(await run(fixture, false)).toEqual([
      `${kind} ${fixture.name} is not protected; set the resource option protect: true`,
    ]);
  });

  it("leaves stateless resources alone: other buckets, the state bucket's companions, other TLS keys", async () => {
    const cache = {
      type: "aws:s3/bucket:Bucket",
      name: "cache",
      parentTypes: ["foundation:aws:PrivateBucket"],
      props: {},
    };
    expect(await run(cache, false)).toEqual([]);
    const policy = {
      type: "aws:s3/bucketPolicy:BucketPolicy",
      name: "state-bucket-policy",
      parentTypes: ["foundation:aws:StateBackend", "foundation:aws:PrivateBucket"],
      props: {},
    };
    expect(await run(policy, false)).toEqual([]);
    expect(await run({ type: "tls:index/privateKey:PrivateKey", name: "ci-key", props: {} }, false)).toEqual([]);
  });
});
