import { installerImage, QEMU_GUEST_AGENT_EXTENSION, renderSchematic, schematicId } from "./image-factory";

describe("Image Factory schematics", () => {
  it.each([
    // The factory's published IDs: the vanilla schematic, and the qemu-guest-agent one Talos's Proxmox guide quotes
    // (https://docs.siderolabs.com/talos/v1.11/platform-specific-installations/virtualized-platforms/proxmox).
    [[], "customization: {}\n", "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"],
    [
      [QEMU_GUEST_AGENT_EXTENSION],
      "customization:\n    systemExtensions:\n        officialExtensions:\n            - siderolabs/qemu-guest-agent\n",
      "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515",
    ],
  ])("renders %j as the factory does and reproduces its ID", (extensions, yaml, id) => {
    expect(renderSchematic(extensions)).toBe(yaml);
    expect(schematicId(extensions)).toBe(id);
  });
});

describe("installerImage", () => {
  const id = "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515";

  it.each([
    [undefined, `factory.talos.dev/nocloud-installer/${id}:v1.13.9`],
    ["metal", `factory.talos.dev/metal-installer/${id}:v1.13.9`],
  ])("names the %s platform installer of the schematic", (platform, image) => {
    expect(installerImage(id, "v1.13.9", platform)).toBe(image);
  });

  it("rejects something that is not a schematic ID", () => {
    expect(() => installerImage("siderolabs/qemu-guest-agent", "v1.13.9")).toThrow(
      "schematicId 'siderolabs/qemu-guest-agent' is not an Image Factory schematic ID; use the 64 hex characters " +
        "the factory returns (e.g. schematicId([QEMU_GUEST_AGENT_EXTENSION]))",
    );
  });
});
