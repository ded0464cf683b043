import { diffFields, isUnknown, UNKNOWN_VALUE } from "./dynamic";

interface Fields {
  readonly node: string;
  readonly port: number;
  readonly labels?: string[];
  readonly timeout?: number;
}

const OLD: Fields = { node: "10.0.0.1", port: 50000, labels: ["a"], timeout: 60 };

describe("diffFields", () => {
  it("replaces on a replaceOn field, updates on an updateOn field, and ignores the rest", () => {
    expect(diffFields(OLD, { ...OLD, port: 50001, labels: ["b"] }, ["node", "port"], ["labels"])).toEqual({
      changes: true,
      replaces: ["port"],
      deleteBeforeReplace: false,
    });
    expect(diffFields(OLD, { ...OLD, labels: ["b"] }, ["node", "port"], ["labels"])).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(diffFields(OLD, { ...OLD, timeout: 5 }, ["node", "port"], ["labels"])).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("counts an unknown value as a change, and an absent value as null", () => {
    expect(diffFields(OLD, { ...OLD, node: UNKNOWN_VALUE }, ["node"], []).replaces).toEqual(["node"]);
    expect(diffFields({ node: "a", port: 1 }, { node: "a", port: 1, labels: undefined }, [], ["labels"]).changes).toBe(
      false,
    );
  });

  it("asks for delete-before-replace when told to", () => {
    expect(diffFields(OLD, { ...OLD, node: "10.0.0.2" }, ["node"], [], { deleteBeforeReplace: true })).toEqual({
      changes: true,
      replaces: ["node"],
      deleteBeforeReplace: true,
    });
  });
});

describe("isUnknown", () => {
  it("is true for the engine's placeholder only", () => {
    expect(isUnknown(UNKNOWN_VALUE)).toBe(true);
    expect(isUnknown("04da6b54")).toBe(false);
    expect(isUnknown(undefined)).toBe(false);
  });
});
