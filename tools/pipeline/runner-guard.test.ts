import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PreviewDigest } from "./drift";
import { main, managerDisruptions } from "./runner-guard";

const URN = (types: string, name: string) => `urn:pulumi:lab::foundation::${types}::${name}`;
const VM = URN("foundation:proxmox:RunnerVm$proxmoxve:index/vmLegacy:VmLegacy", "runner-vm");
const USER_DATA = URN("foundation:proxmox:RunnerVm$proxmoxve:index/fileLegacy:FileLegacy", "runner-user-data");
const DEPLOYMENT = URN("foundation:runner:ManagerDeployment$kubernetes:apps/v1:Deployment", "runner-manager");
const TALOS_VM = URN("foundation:proxmox:TalosCluster$proxmoxve:index/vmLegacy:VmLegacy", "lab-talos-w-1");

const scratch = mkdtempSync(join(tmpdir(), "foundation-guard-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(digest: PreviewDigest | string) {
  const file = join(scratch, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof digest === "string" ? digest : JSON.stringify(digest));
  let stdout = "";
  let stderr = "";
  const code = main(["--file", file], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe("the lab deploy's runner guard", () => {
  it("passes an update that changes the manager in place, or other resources in any way", () => {
    const digest: PreviewDigest = {
      steps: [
        { op: "update", urn: DEPLOYMENT, diffReasons: ["spec"] },
        { op: "replace", urn: TALOS_VM },
        { op: "delete", urn: URN("kubernetes:core/v1:Namespace", "old") },
        { op: "same", urn: VM },
      ],
    };
    expect(managerDisruptions(digest)).toEqual([]);
    expect(run(digest)).toEqual({
      code: 0,
      stdout: "the runner manager this job runs on stays as it is\n",
      stderr: "",
    });
  });

  it("refuses an update that replaces the runner VM or deletes the in-cluster manager, naming each", () => {
    const digest: PreviewDigest = {
      steps: [
        { op: "create-replacement", urn: USER_DATA },
        { op: "replace", urn: USER_DATA },
        { op: "create-replacement", urn: VM },
        { op: "replace", urn: VM, replaceReasons: ["initialization.userDataFileId"] },
        { op: "delete-replaced", urn: VM },
        { op: "delete", urn: DEPLOYMENT },
      ],
    };
    expect(managerDisruptions(digest).map((d) => [d.kind, d.urn])).toEqual([
      ["replace", USER_DATA],
      ["replace", VM],
      ["delete", DEPLOYMENT],
    ]);
    expect(run(digest)).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "this update would replace or delete the runner manager this job runs on:\n" +
        `  replace ${USER_DATA}\n  replace ${VM}\n  delete ${DEPLOYMENT}\n` +
        "Apply it from a workstation after draining the runners (docs/runbooks/runner.md, Reprovision).\n",
    });
  });

  it("fails on a preview that is not a digest, and exits 2 without --file", () => {
    expect(run("error: the stack is locked").code).toBe(1);
    let stderr = "";
    expect(main([], { stdout: () => undefined, stderr: (t) => (stderr += t) })).toBe(2);
    expect(stderr).toBe("error: --file PREVIEW.json is required\n");
  });
});
