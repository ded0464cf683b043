import { LabelEdits, LABEL_SCOPES, labelSetProblems, resolveLabelSet, STANDARD_LABELS } from "./standard-labels";

describe("the standard label set", () => {
  it("has the five scopes", () => {
    expect(LABEL_SCOPES).toEqual(["type", "priority", "status", "phase", "area"]);
  });

  it("is valid as it stands and covers every scope", () => {
    expect(labelSetProblems()).toEqual([]);
    const scopes = new Set(STANDARD_LABELS.map((label) => label.name.split("::")[0]));
    expect([...scopes]).toEqual([...LABEL_SCOPES]);
  });

  it("holds the labels the group works with", () => {
    const names = STANDARD_LABELS.map((label) => label.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "type::bug",
        "type::feature",
        "priority::1",
        "priority::2",
        "priority::3",
        "priority::4",
        "status::blocked",
        "phase::1",
        "phase::5",
        "area::aws",
        "area::gitlab",
        "area::lab",
        "area::runner",
        "area::policy",
        "area::docs",
      ]),
    );
    expect(names).toHaveLength(25);
  });
});

describe("resolveLabelSet", () => {
  it("returns the standard set unchanged without edits", () => {
    expect(resolveLabelSet()).toEqual(STANDARD_LABELS);
  });

  it("drops, overrides and adds, in that order", () => {
    const result = resolveLabelSet({
      drop: ["type::security", "phase::0"],
      override: [
        { name: "type::bug", color: "#FF0000" },
        { name: "area::docs", description: "Docs." },
      ],
      add: [{ name: "team::platform", color: "#00AA00", description: "The platform team." }],
      scopes: ["team"],
    });
    expect(result.map((l) => l.name)).not.toContain("type::security");
    expect(result.map((l) => l.name)).not.toContain("phase::0");
    expect(result.find((l) => l.name === "type::bug")).toEqual({
      name: "type::bug",
      color: "#FF0000",
      description: "Something does not work as documented or intended.",
    });
    expect(result.find((l) => l.name === "area::docs")?.description).toBe("Docs.");
    expect(result.at(-1)).toEqual({ name: "team::platform", color: "#00AA00", description: "The platform team." });
    expect(result).toHaveLength(STANDARD_LABELS.length - 2 + 1);
  });

  it("reports every problem at once", () => {
    expect(() =>
      resolveLabelSet({
        drop: ["nope::x"],
        add: [{ name: "type::bug", color: "#000000", description: "again" }],
      }),
    ).toThrow(
      "invalid label set:\n" +
        "  - labels.drop 'nope::x': not a standard label; remove it from drop\n" +
        "  - labels.add 'type::bug': already a standard label; change it under override instead\n" +
        "  - label 'type::bug': defined 2 times; label names must be unique",
    );
  });

  const add = (name: string, color = "#123456", description = "d"): LabelEdits => ({
    add: [{ name, color, description }],
  });
  it.each<[string, LabelEdits, string]>([
    [
      "a misspelt drop, with a suggestion",
      { drop: ["type::bugs"] },
      "labels.drop 'type::bugs': not a standard label (did you mean 'type::bug'?); remove it from drop",
    ],
    [
      "an override of an unknown label",
      { override: [{ name: "priority::9", color: "#000000" }] },
      "labels.override 'priority::9': not a standard label (did you mean 'priority::1'?); add it under add instead",
    ],
    [
      "an override of a dropped label",
      { drop: ["type::bug"], override: [{ name: "type::bug", color: "#000000" }] },
      "labels.override 'type::bug': the label is also dropped; keep it in one of the two",
    ],
    [
      "an overridden color that is not #RRGGBB",
      { override: [{ name: "area::aws", color: "orange" }] },
      "labels.override 'area::aws': color 'orange' must be '#RRGGBB' (six hex digits, e.g. '#D9534F')",
    ],
    ["a short color", add("type::chore", "#FFF"), "labels.add 'type::chore': color '#FFF' must be '#RRGGBB'"],
    [
      "an unscoped name",
      add("chore"),
      "labels.add 'chore': name must be scoped as 'scope::value' with exactly one '::'",
    ],
    [
      "two scope separators",
      add("area::lab::talos"),
      "labels.add 'area::lab::talos': name must be scoped as 'scope::value' with exactly one '::' " +
        "(GitLab treats everything before the last '::' as the scope); e.g. 'area::talos'",
    ],
    [
      "an empty value",
      add("type::"),
      "labels.add 'type::': both the scope and the value of 'scope::value' must be non-empty",
    ],
    [
      "an unknown scope",
      add("team::platform"),
      "labels.add 'team::platform': scope 'team' is not one of type, priority, status, phase, area; " +
        "use one of them or add 'team' to labels.scopes",
    ],
    ["a comma", add("type::a,b"), "labels.add 'type::a,b': name must not contain a comma"],
    ["a blank description", add("type::chore", "#123456", " "), "labels.add 'type::chore': description must say"],
    ["a bad added scope", { scopes: ["Team"] }, "labels.scopes 'Team': a scope is lower-case letters"],
    [
      "a duplicate addition",
      { add: [add("type::chore").add![0], add("type::chore").add![0]] },
      "label 'type::chore': defined 2 times; label names must be unique",
    ],
  ])("rejects %s", (_case, edits, message) => {
    expect(labelSetProblems(edits).some((problem) => problem.startsWith(message))).toBe(true);
    expect(() => resolveLabelSet(edits)).toThrow(message);
  });

  it("accepts an added scope", () => {
    expect(labelSetProblems({ ...add("team::platform"), scopes: ["team"] })).toEqual([]);
  });
});
