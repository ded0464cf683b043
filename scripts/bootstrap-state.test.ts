import { join } from "node:path";
import { bootstrapSteps, main, shellQuote } from "./bootstrap-state";

const root = join(__dirname, "..");

describe("bootstrap-state", () => {
  it("prints the whole cold start in dry-run mode, targeting the state backend and what it needs", async () => {
    let out = "";
    const code = await main(["--dry-run", "--workdir", "/tmp/bootstrap"], (t) => (out += t), root);
    expect(code).toBe(0);
    const commands = out.split("\n").filter((line) => line && !line.startsWith("#"));
    expect(commands[0]).toBe("pulumi login file:///tmp/bootstrap");
    expect(commands[2].startsWith("pulumi up --stack aws --yes --target ")).toBe(true);
    const targets = commands[2].split(" --target ").slice(1);
    expect(targets).toContain(
      "'urn:pulumi:aws::foundation::foundation:aws:StateBackend$foundation:aws:PrivateBucket$aws:s3/bucket:Bucket::state-bucket'",
    );
    expect(targets).toContain(
      "'urn:pulumi:aws::foundation::foundation:aws:StateBackend$foundation:aws:KmsKey$aws:kms/key:Key::state-kms-key'",
    );
    // The key policy names the CI roles, so they are created first; the rest of the landing zone is not.
    expect(targets).toContain(
      "'urn:pulumi:aws::foundation::foundation:aws:GitlabOidc$aws:iam/role:Role::gitlab-oidc-foundation-deploy'",
    );
    expect(targets).toContain("urn:pulumi:aws::foundation::pulumi:providers:aws::aws");
    expect(targets.some((t) => t.includes("Organization"))).toBe(false);
    expect(commands.slice(3)).toEqual([
      "pulumi stack change-secrets-provider --stack aws 'awskms://alias/foundation-state?region=eu-central-1&awssdk=v2'",
      "pulumi stack export --stack aws --show-secrets --file /tmp/bootstrap/aws.state.json",
      "pulumi login 's3://mson-foundation-state-example?region=eu-central-1&awssdk=v2'",
      "pulumi stack init aws --secrets-provider 'awskms://alias/foundation-state?region=eu-central-1&awssdk=v2'",
      "pulumi stack import --stack aws --file /tmp/bootstrap/aws.state.json",
      "rm -f /tmp/bootstrap/aws.state.json",
      `pulumi preview --stack aws --expect-no-changes${commands[2].slice("pulumi up --stack aws --yes".length)}`,
    ]);
  });

  it("deletes the plaintext export right after the import", () => {
    const steps = bootstrapSteps({
      stack: "aws",
      stateBackendUrl: "s3://b",
      secretsProviderUrl: "awskms://alias/k",
      targets: [],
      workdir: "/w",
    });
    const exported = steps.findIndex((s) => s.argv.includes("--show-secrets"));
    const imported = steps.findIndex((s) => s.argv[2] === "import");
    expect(steps[imported + 1].argv).toEqual(["rm", "-f", "/w/aws.state.json"]);
    expect(exported).toBeLessThan(imported);
  });

  it("quotes what a shell would split or expand", () => {
    expect(shellQuote("s3://b?region=x&awssdk=v2")).toBe("'s3://b?region=x&awssdk=v2'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote("plain-arg")).toBe("plain-arg");
  });
});
