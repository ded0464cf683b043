import { runStack, UnknownStackError } from "./programs";

describe("runStack", () => {
  it("refuses a stack that is not in the phase graph, listing the known ones", async () => {
    const refused = runStack("prod");
    await expect(refused).rejects.toBeInstanceOf(UnknownStackError);
    await expect(refused).rejects.toThrow(
      'unknown stack "prod"; Foundation\'s stacks are "aws", "group", "lab", "eve-skill-farm"',
    );
  });
});
