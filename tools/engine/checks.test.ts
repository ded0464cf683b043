import { PlanDocument, PlanResource } from "../plan/document";
import {
  errorDiagnostics,
  modelMismatches,
  plaintextSecrets,
  planVerdicts,
  policyOutcome,
  previewVerdicts,
  secretValues,
  stateResources,
  verdictMismatches,
} from "./checks";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

describe("policyOutcome", () => {
  it("reads the packs that judged the stack and every violation from an engine event log", () => {
    const log = [
      JSON.stringify({ sequence: 1, preludeEvent: { config: {} } }),
      JSON.stringify({
        policyEvent: {
          resourceUrn: "urn:pulumi:aws::foundation::aws:iam/accessKey:AccessKey::k",
          message: "access key k gives IAM user 'u' a long-lived credential\n",
          policyName: "iam-accesskey-no-user-keys",
          policyPackName: "foundation",
          enforcementLevel: "advisory",
        },
      }),
      JSON.stringify({ policyAnalyzeStackSummaryEvent: { policyPackName: "foundation", policyPackVersion: "0.1.0" } }),
      "",
    ].join("\n");
    expect(policyOutcome(log)).toEqual({
      loaded: ["foundation@0.1.0"],
      violations: [
        {
          policy: "iam-accesskey-no-user-keys",
          enforcementLevel: "advisory",
          urn: "urn:pulumi:aws::foundation::aws:iam/accessKey:AccessKey::k",
          message: "access key k gives IAM user 'u' a long-lived credential",
        },
      ],
    });
  });

  it("says no pack ran when the log has no stack summary", () => {
    expect(policyOutcome(JSON.stringify({ summaryEvent: {} }))).toEqual({ loaded: [], violations: [] });
  });

  it("lists error diagnostics, with their URN", () => {
    const log = [
      JSON.stringify({ diagnosticEvent: { urn: "urn:x", message: "boom\n", severity: "error" } }),
      JSON.stringify({ diagnosticEvent: { message: "fine", severity: "info" } }),
    ].join("\n");
    expect(errorDiagnostics(log)).toEqual(["urn:x: boom"]);
  });
});

describe("verdicts", () => {
  it("reads a preview digest's steps as create, update, replace and delete", () => {
    const verdicts = previewVerdicts({
      steps: [
        { op: "same", urn: "urn:a" },
        { op: "update", urn: "urn:b" },
        { op: "create-replacement", urn: "urn:c" },
        { op: "replace", urn: "urn:c" },
        { op: "delete-replaced", urn: "urn:c" },
        { op: "create", urn: "urn:d" },
        { op: "delete", urn: "urn:e" },
        { op: "read", urn: "urn:f" },
      ],
    });
    expect(Object.fromEntries(verdicts)).toEqual({
      "urn:b": "update",
      "urn:c": "replace",
      "urn:d": "create",
      "urn:e": "delete",
    });
  });

  const resource = (name: string, inputs: Record<string, unknown>): PlanResource => ({
    urn: `urn:${name}`,
    type: "aws:kms/alias:Alias",
    name,
    parent: null,
    custom: true,
    protect: false,
    retainOnDelete: false,
    provider: null,
    dependencies: [],
    replaceOnChanges: [],
    deleteBeforeReplace: false,
    inputs,
  });
  const doc = (...resources: PlanResource[]): PlanDocument => ({
    version: 1,
    stacks: [{ name: "aws", phases: [1], needs: [], resources, outputs: {}, violations: [] }],
  });

  it("gives the offline plan's verdict of the same edit, and names every disagreement", () => {
    const plan = planVerdicts(
      doc(resource("alias", { name: "alias/a" }), resource("other", { targetKeyId: "k1" })),
      doc(resource("alias", { name: "alias/b" }), resource("other", { targetKeyId: "k2" })),
      "aws",
    );
    expect(Object.fromEntries(plan)).toEqual({ "urn:alias": "replace", "urn:other": "update" });
    const real = new Map([
      ["urn:alias", "replace" as const],
      ["urn:third", "create" as const],
    ]);
    expect(verdictMismatches(real, plan)).toEqual([
      "urn:other: the engine says no change, the offline plan update",
      "urn:third: the engine says create, the offline plan no change",
    ]);
    expect(verdictMismatches(plan, plan)).toEqual([]);
  });
});

describe("modelMismatches", () => {
  const planned: PlanResource = {
    urn: "urn:pulumi:aws::foundation::foundation:aws:KmsKey$aws:kms/key:Key::state",
    type: "aws:kms/key:Key",
    name: "state",
    parent: "urn:pulumi:aws::foundation::foundation:aws:KmsKey::state",
    custom: true,
    protect: true,
    retainOnDelete: false,
    provider: "urn:pulumi:aws::foundation::pulumi:providers:aws::aws",
    dependencies: [],
    replaceOnChanges: [],
    deleteBeforeReplace: false,
    inputs: {},
  };
  const stack = { name: "aws", phases: [1], needs: [], resources: [planned], outputs: {}, violations: [] };

  it("holds when URNs, types, parents, providers (without their ids) and protect agree", () => {
    const state = stateResources({
      deployment: {
        resources: [
          {
            urn: planned.urn,
            type: planned.type,
            parent: planned.parent,
            provider: `${planned.provider}::0e6b2b0e-2ba4-4ec6-b3e5-6b0f5d5ab0ec`,
            protect: true,
          },
        ],
      },
    });
    expect(modelMismatches(state, stack)).toEqual([]);
  });

  it("names each difference", () => {
    const state = [
      { urn: planned.urn, type: planned.type, parent: planned.parent ?? undefined, protect: false },
      {
        urn: "urn:pulumi:aws::foundation::pulumi:providers:pulumi-nodejs::default",
        type: "pulumi:providers:pulumi-nodejs",
      },
    ];
    expect(modelMismatches(state, stack)).toEqual([
      "urn:pulumi:aws::foundation::pulumi:providers:pulumi-nodejs::default: in the state, not in the plan",
      `${planned.urn}: provider is null in the state, "urn:pulumi:aws::foundation::pulumi:providers:aws::aws" in the plan`,
      `${planned.urn}: protect is false in the state, true in the plan`,
    ]);
  });
});

describe("secrets in state", () => {
  const shown = {
    deployment: {
      resources: [
        {
          outputs: {
            token: { [SIG]: SECRET, plaintext: JSON.stringify("glrt-0123456789abcdef") },
            nested: { [SIG]: SECRET, plaintext: JSON.stringify({ key: "-----BEGIN PRIVATE KEY-----abc" }) },
            short: { [SIG]: SECRET, plaintext: JSON.stringify("true") },
            file: {
              [SIG]: SECRET,
              plaintext: JSON.stringify({ data: "s3cr3t-file-body", fileName: "user-data.yaml" }),
            },
            plain: "not-a-secret-value",
            fileId: "local:snippets/user-data.yaml",
            fileName: "user-data.yaml",
            fileIdWithName: "local:snippets/user-data-0123.yaml",
          },
        },
      ],
    },
  };

  it("collects the secret strings of an export made with --show-secrets, but not short ones or ones stored plainly too", () => {
    expect(secretValues(shown)).toEqual([
      "-----BEGIN PRIVATE KEY-----abc",
      "glrt-0123456789abcdef",
      "s3cr3t-file-body",
    ]);
  });

  it("finds a secret in an export, as a value or JSON-escaped inside one, and reports it masked", () => {
    const secrets = ["glrt-0123456789abcdef", "line one\nline two"];
    expect(plaintextSecrets('{"ciphertext":"v1:abc"}', secrets)).toEqual([]);
    expect(plaintextSecrets('{"token":"glrt-0123456789abcdef"}', secrets)).toEqual(["glrt…"]);
    expect(plaintextSecrets('{"doc":"line one\\nline two"}', secrets)).toEqual(["line…"]);
  });
});
