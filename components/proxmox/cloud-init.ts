/**
 * What every Foundation VM's cloud-init user-data starts with (https://cloudinit.readthedocs.io/en/latest/reference/
 * modules.html): its host name, its clock and who may log in, and the CIDR rule of the host firewalls. The runner
 * VM (components/runner/user-data.ts) and the monitoring VM (components/monitoring/cloud-init.ts) build on it; the
 * Proxmox VM that carries the file is components/proxmox/cloud-init-vm.ts.
 */
import { isIP } from "node:net";
import { isDnsLabel, isTimeZone } from "../common/validation";

/** True for an IPv4 or IPv6 CIDR block (`192.0.2.0/24`, `2001:db8::/32`). */
export function isCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split("/");
  const family = isIP(address ?? "");
  if (rest.length > 0 || family === 0 || prefix === undefined || !/^\d{1,3}$/.test(prefix)) {
    return false;
  }
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** The settings every Foundation VM's user-data starts with: its name, its clock and who may log in. */
export interface VmIdentity {
  /** Host name (a DNS label). */
  readonly hostname: string;
  /** Fully qualified name; unset leaves the domain to DHCP/DNS. */
  readonly fqdn?: string;
  /**
   * IANA time zone.
   * @default "Etc/UTC"
   */
  readonly timezone?: string;
  /** SSH public keys for the image's default user; password login stays off. */
  readonly sshAuthorizedKeys: readonly string[];
}

/** Problems with a VM's identity, each naming the field and the fix. */
export function vmIdentityProblems(input: VmIdentity): string[] {
  const problems: string[] = [];
  if (!isDnsLabel(input.hostname)) {
    problems.push(`hostname: "${input.hostname}" is not a DNS label; use lowercase letters, digits and dashes`);
  }
  if (input.fqdn !== undefined && !input.fqdn.startsWith(`${input.hostname}.`)) {
    problems.push(`fqdn: "${input.fqdn}" must start with the hostname "${input.hostname}."`);
  }
  if (input.timezone !== undefined && !isTimeZone(input.timezone)) {
    problems.push(`timezone: "${input.timezone}" is not an IANA time zone; use e.g. "Europe/Berlin"`);
  }
  if (input.sshAuthorizedKeys.length === 0) {
    problems.push("sshAuthorizedKeys: give at least one public key, or nobody can log in to repair the VM");
  }
  for (const key of input.sshAuthorizedKeys) {
    if (
      !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/.test(
        key,
      )
    ) {
      problems.push(`sshAuthorizedKeys: "${key.slice(0, 24)}…" is not an OpenSSH public key line`);
    }
  }
  return problems;
}

/**
 * What every Debian VM's cloud-config runs before `apt`: cloud-init fetches apt keys with gpg, which minimal images
 * may lack, so it is installed once first.
 */
export const APT_BOOTCMD: readonly (readonly string[])[] = [
  ["cloud-init-per", "once", "foundation-apt-update", "apt-get", "update"],
  ["cloud-init-per", "once", "foundation-gnupg", "apt-get", "install", "--yes", "--no-install-recommends", "gnupg"],
];

/** Debian's mirrors over https, so the VMs' firewalls need no outbound port 80. */
export const DEBIAN_HTTPS_MIRRORS = {
  primary: [{ arches: ["default"], uri: "https://deb.debian.org/debian" }],
  security: [{ arches: ["default"], uri: "https://deb.debian.org/debian-security" }],
} as const;

/** One TCP opening of a VM's guest firewall: the other side (a CIDR, or `any`), the port and ufw's comment. */
export interface UfwOpening {
  readonly peer: string;
  readonly port: number;
  readonly comment: string;
}

/**
 * A Debian VM's ufw commands, as argv arrays: deny by default both ways; in, the `inbound` openings; out, HTTPS,
 * NTP, DNS and the `outbound` openings; then enable. ufw's own before-rules keep loopback, established traffic and
 * ICMP working (https://manpages.debian.org/bookworm/ufw/ufw.8.en.html).
 */
export function ufwCommands(inbound: readonly UfwOpening[], outbound: readonly UfwOpening[]): string[][] {
  return [
    ["ufw", "default", "deny", "incoming"],
    ["ufw", "default", "deny", "outgoing"],
    ...inbound.map(({ peer, port, comment }) => [
      ...["ufw", "allow", "in", "proto", "tcp", "from", peer, "to", "any"],
      ...["port", String(port), "comment", comment],
    ]),
    ["ufw", "allow", "out", "proto", "tcp", "to", "any", "port", "443", "comment", "https"],
    ["ufw", "allow", "out", "proto", "udp", "to", "any", "port", "123", "comment", "ntp"],
    ["ufw", "allow", "out", "to", "any", "port", "53", "comment", "dns"],
    ...outbound.map(({ peer, port, comment }) => [
      ...["ufw", "allow", "out", "proto", "tcp", "to", peer],
      ...["port", String(port), "comment", comment],
    ]),
    ["ufw", "--force", "enable"],
  ];
}

/** The identity part of a cloud-config: host, time zone, key-only SSH, no root login. */
export function vmIdentityConfig(input: VmIdentity): Record<string, unknown> {
  return {
    hostname: input.hostname,
    ...(input.fqdn === undefined ? {} : { fqdn: input.fqdn }),
    manage_etc_hosts: true,
    timezone: input.timezone ?? "Etc/UTC",
    ssh_pwauth: false,
    disable_root: true,
    ssh_authorized_keys: [...input.sshAuthorizedKeys],
  };
}
