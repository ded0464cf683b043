import { LABEL_SCOPES, STANDARD_LABELS } from "../../components/gitlab/standard-labels";
import { runResourcePolicy, UNKNOWN } from "../testing";
import { gitlabGroupLabelStandard, STANDARD_SCOPES } from "./gitlab-grouplabel-standard";

const run = (label: Record<string, unknown>, config = {}) =>
  runResourcePolicy(
    gitlabGroupLabelStandard,
    {
      type: "pulumi-nodejs:dynamic/gitlab:GroupLabel",
      name: "label-type-bug",
      props: {
        groupPath: "mson",
        name: "type::bug",
        color: "#D9534F",
        description: "Broken.",
        promote: true,
        ...label,
      },
    },
    config,
  );

describe("gitlab-grouplabel-standard", () => {
  it("states the scopes the label component makes, so the group's labels comply", () => {
    expect([...LABEL_SCOPES]).toEqual([...STANDARD_SCOPES]);
  });

  it.each(STANDARD_LABELS.map((label) => [label.name, label]))("passes the standard label %s", async (_n, label) => {
    expect(await run({ ...label })).toEqual([]);
  });

  it.each([
    ["bug", "label 'bug' is not scoped; name it scope::value with exactly one '::'"],
    ["team::infra::ops", "label 'team::infra::ops' is not scoped; name it scope::value with exactly one '::'"],
    ["type::", "label 'type::' is not scoped; name it scope::value with exactly one '::'"],
    [
      "team::infra",
      "label 'team::infra' has the scope 'team', which is not one of type, priority, status, phase, area",
    ],
  ])("fails the name %s", async (name, message) => {
    expect(await run({ name })).toEqual([message]);
  });

  it("allows scopes the stack adds in the policy's config", async () => {
    expect(await run({ name: "team::infra" }, { scopes: ["team"] })).toEqual([]);
  });

  it.each(["red", "#D9534", "D9534F"])("fails the color %s", async (color) => {
    expect(await run({ color })).toEqual([`label 'type::bug' has the color "${color}"; use #RRGGBB`]);
  });

  it("fails a label without a description", async () => {
    expect(await run({ description: " " })).toEqual(["label 'type::bug' has no description; say what the label means"]);
  });

  it("skips values unknown at preview, naming the label by its logical name", async () => {
    expect(await run({ name: UNKNOWN, color: UNKNOWN, description: UNKNOWN })).toEqual([]);
    expect(await run({ name: UNKNOWN, color: "red" })).toEqual([
      `label 'label-type-bug' has the color "red"; use #RRGGBB`,
    ]);
  });
});
