/**
 * The Pulumi entry (`main` in Pulumi.yaml): runs the program of the selected stack. The returned object becomes
 * the stack's outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { runStack } from "./programs";

export = async (): Promise<Record<string, unknown>> => runStack(pulumi.getStack());
