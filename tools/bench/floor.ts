/**
 * The benchmark's floor: Node, the SDKs the plan loads, and the recording runtime registering one resource. What
 * the plan costs beyond this is the plan's own work.
 */
import * as aws from "@pulumi/aws";
import "@muhlba91/pulumi-proxmoxve";
import "@pulumi/kubernetes";
import "@pulumi/random";
import "@pulumi/tls";
import { runProgram } from "../plan/run-program";

runProgram({
  project: "foundation",
  stack: "floor",
  config: {},
  program: () => {
    new aws.Provider("aws", { region: "eu-central-1" });
  },
}).catch((err) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
