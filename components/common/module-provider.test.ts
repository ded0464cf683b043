import * as pulumi from "@pulumi/pulumi";
import { record } from "../../tools/plan/testing";
import { groupLabelProvider } from "../gitlab/group-label";
import { moduleProvider } from "./module-provider";

/** Runs serialized provider text the way Pulumi's dynamic provider host loads it. */
function loadProvider(text: string): pulumi.dynamic.ResourceProvider {
  const module = { exports: {} as { handler: () => pulumi.dynamic.ResourceProvider } };
  new Function("module", "exports", "require", text)(module, module.exports, require);
  return module.exports.handler();
}

class Probe extends pulumi.dynamic.Resource {
  constructor(name: string, provider: pulumi.dynamic.ResourceProvider) {
    super(provider, name, { name: "type::bug" }, undefined, "test", "Probe");
  }
}

describe("moduleProvider", () => {
  it("serializes to a reference of a few kilobytes, without the implementation's code", async () => {
    const stub = moduleProvider(groupLabelProvider, require.resolve("../gitlab/group-label"), "groupLabelProvider");
    const recording = await record(() => {
      new Probe("by-reference", stub);
      new Probe("by-value", groupLabelProvider);
    });
    const byReference = String(recording.inputsOf("by-reference").__provider);
    const byValue = String(recording.inputsOf("by-value").__provider);
    expect(byReference.length).toBeLessThan(4_000);
    expect(byValue.length).toBeGreaterThan(5 * byReference.length);
    expect(byReference).toContain('modulePath: "components/gitlab/group-label"');
    expect(byReference).not.toContain("promoteIfAsked");
    expect(byValue).toContain("promoteIfAsked");
  });

  it("forwards exactly the methods the implementation has, to the module's export", async () => {
    const stub = moduleProvider(groupLabelProvider, require.resolve("../gitlab/group-label"), "groupLabelProvider");
    const recording = await record(() => new Probe("probe", stub));
    const loaded = loadProvider(String(recording.inputsOf("probe").__provider));
    expect(Object.keys(loaded).sort()).toEqual(Object.keys(groupLabelProvider).sort());
    const check = await loaded.check?.(
      {},
      { groupPath: "mson", name: "", color: "red", description: "", promote: false },
    );
    expect(check?.failures).toEqual(await groupLabelProvider.check?.({}, check?.inputs).then((r) => r.failures));
    expect(check?.failures?.map((f) => f.property)).toEqual(["name", "color"]);
  });

  it("refuses an export name the module does not export the provider under", () => {
    expect(() => moduleProvider(groupLabelProvider, require.resolve("../gitlab/group-label"), "labelProvider")).toThrow(
      /moduleProvider: .*group-label\.ts does not export the given provider as 'labelProvider'/,
    );
  });
});
