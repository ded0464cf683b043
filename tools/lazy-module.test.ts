import { spawnSync } from "node:child_process";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lazyModule } = require("./lazy-module") as { lazyModule: <T extends object>(load: () => T) => T };

const root = join(__dirname, "..");

describe("lazyModule", () => {
  it("loads on the first read of a property, once, and answers as the module does", () => {
    let loads = 0;
    const real = { parse: (s: string) => s.length, version: "5.9" };
    const lazy = lazyModule(() => (loads++, real));
    expect(loads).toBe(0);
    expect((lazy as { __esModule?: boolean }).__esModule).toBe(true);
    expect(loads).toBe(0);
    expect(lazy.parse("four")).toBe(4);
    expect(["version" in lazy, Object.keys(lazy), lazy.version]).toEqual([true, ["parse", "version"], "5.9"]);
    expect(loads).toBe(1);
  });

  it("stands in for the SDK's TypeScript under jest, which still serializes a closure with it", async () => {
    const answer = 42;
    const serialized = await pulumi.runtime.serializeFunction(() => answer);
    expect(serialized.text).toContain("42");
  });
});

describe("tools/register.js", () => {
  /** What a process that loads the SDK through the register hook has loaded, before and after serializing. */
  function loadedBy(script: string): string {
    const result = spawnSync(process.execPath, ["-r", join(root, "tools", "register.js"), "-e", script], {
      cwd: root,
      encoding: "utf8",
      // Serializing a closure loads every Node builtin, and with them their deprecation warnings.
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
    });
    expect(result.stderr).toBe("");
    return result.stdout.trim();
  }

  it("leaves TypeScript and arborist unloaded until the SDK needs them: TypeScript to serialize a closure", () => {
    const script = `
      const loaded = () => ["/typescript/", "/@npmcli/arborist/"].map((p) => Object.keys(require.cache).some((f) => f.includes("/node_modules" + p)));
      const pulumi = require("@pulumi/pulumi");
      const before = loaded();
      pulumi.runtime.serializeFunction(() => 42).then((s) => {
        console.log(JSON.stringify({ before, after: loaded(), text: s.text.includes("42") }));
      });`;
    expect(JSON.parse(loadedBy(script))).toEqual({ before: [false, false], after: [true, false], text: true });
  });
});
