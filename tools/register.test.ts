import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "foundation-register-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `node -r tools/register.js` with `args`, the transpile cache in `cache`; its standard output, trimmed. */
function node(args: string[], cache = join(scratch, "cache")): string {
  const result = spawnSync(process.execPath, ["-r", join(root, "tools", "register.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    // Serializing a closure loads every Node builtin, and with them their deprecation warnings.
    env: { ...process.env, NODE_NO_WARNINGS: "1", FOUNDATION_TRANSPILE_CACHE: cache },
  });
  expect(result.stderr).toBe("");
  return result.stdout.trim();
}

describe("tools/register.js", () => {
  it("transpiles a file once: later runs read the cache and never load swc, an edit is transpiled again", () => {
    const cache = join(scratch, "once");
    const file = join(scratch, "answer.ts");
    const program = (value: number) =>
      `const answer: number = ${value};\n` +
      'const swc = Object.keys(require.cache).some((f) => f.endsWith("/@swc/core/index.js"));\n' +
      "console.log(JSON.stringify({ answer, swc }));\n";
    writeFileSync(file, program(41));
    expect(JSON.parse(node([file], cache))).toEqual({ answer: 41, swc: true });
    expect(JSON.parse(node([file], cache))).toEqual({ answer: 41, swc: false });
    expect(readdirSync(cache)).toHaveLength(1);
    writeFileSync(file, program(42));
    expect(JSON.parse(node([file], cache))).toEqual({ answer: 42, swc: true });
    expect(readdirSync(cache)).toHaveLength(2);
  });

  it("leaves TypeScript and arborist unloaded until the SDK needs them: TypeScript to serialize a closure", () => {
    const script = `
      const loaded = () => ["/typescript/", "/@npmcli/arborist/"].map((p) => Object.keys(require.cache).some((f) => f.includes("/node_modules" + p)));
      const pulumi = require("@pulumi/pulumi");
      const before = loaded();
      pulumi.runtime.serializeFunction(() => 42).then((s) => {
        console.log(JSON.stringify({ before, after: loaded(), text: s.text.includes("42") }));
      });`;
    expect(JSON.parse(node(["-e", script]))).toEqual({ before: [false, false], after: [true, false], text: true });
  });
});
