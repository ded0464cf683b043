import * as pulumi from "@pulumi/pulumi";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lazyModule } = require("./lazy-module") as { lazyModule: <T extends object>(load: () => T) => T };

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
