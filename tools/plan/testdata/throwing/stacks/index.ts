/** A program whose only resource's input is computed by a renderer that throws, as a real renderer does on bad input. */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export = async (): Promise<Record<string, unknown>> => {
  const prefix = pulumi.output("lab").apply((value): string => {
    throw new Error(`cannot render the user-data of ${value}: the renderer refused its input`);
  });
  new random.RandomPet("pet", { prefix });
  return {};
};
