import { createHash } from "node:crypto";
import { stringify } from "yaml";

/** The one system extension every lab node carries: Proxmox's guest agent needs it to report addresses. */
export const QEMU_GUEST_AGENT_EXTENSION = "siderolabs/qemu-guest-agent";

/** The Image Factory (https://factory.talos.dev), where schematics become boot images and installer images. */
const FACTORY_REGISTRY = "factory.talos.dev";

/**
 * The Image Factory schematic that adds the given official system extensions, in the factory's own YAML form:
 * go-yaml output with four-space indentation (siderolabs/image-factory `pkg/schematic/schematic.go` `ID()`).
 */
export function renderSchematic(officialExtensions: readonly string[]): string {
  const customization =
    officialExtensions.length === 0 ? {} : { systemExtensions: { officialExtensions: [...officialExtensions] } };
  return stringify({ customization }, { indent: 4 });
}

/**
 * The schematic ID the Image Factory assigns: the SHA-256 of the schematic's canonical YAML. It reproduces the
 * published IDs for simple schematics (`ID()` in
 * https://github.com/siderolabs/image-factory/blob/main/pkg/schematic/schematic.go); for anything with several
 * extensions, register it with `POST /schematics` and use the ID the factory returns.
 */
export function schematicId(officialExtensions: readonly string[]): string {
  return createHash("sha256").update(renderSchematic(officialExtensions)).digest("hex");
}

/**
 * The installer image `machine.install.image` names, used by Talos upgrades:
 * `factory.talos.dev/<platform>-installer/<schematic>:<version>` (image-factory `docs/api.md`, OCI frontend).
 */
export function installerImage(schematic: string, talosVersion: string, platform = "nocloud"): string {
  if (!/^[0-9a-f]{64}$/.test(schematic)) {
    throw new Error(
      `schematicId '${schematic}' is not an Image Factory schematic ID; use the 64 hex characters the factory ` +
        "returns (e.g. schematicId([QEMU_GUEST_AGENT_EXTENSION]))",
    );
  }
  return `${FACTORY_REGISTRY}/${platform}-installer/${schematic}:${talosVersion}`;
}
