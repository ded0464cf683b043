/**
 * IPv4 arithmetic for config validation and subnet planning, on `ipaddr.js` (parsing) and 32-bit integers
 * (ranges). Every function takes strings already validated as an address (`a.b.c.d`) or a block (`a.b.c.d/n`).
 */
import { IPv4 } from "ipaddr.js";

/**
 * True for `a.b.c.d/n`: a dotted-quad address without leading zeros and a prefix length 0 to 32, also without leading
 * zeros (ipaddr.js alone would take `/024`).
 */
export function isCidr(value: string): boolean {
  return IPv4.isValidCIDRFourPartDecimal(value) && /\/(0|[1-9]\d?)$/.test(value);
}

/** An address as an unsigned 32-bit integer. */
export function toNumber(ip: string): number {
  return IPv4.parse(ip).octets.reduce((n, octet) => n * 256 + octet, 0);
}

/** The first and last address of a CIDR block (its network and broadcast addresses). */
export function cidrBounds(block: string): [first: string, last: string] {
  return [IPv4.networkAddressFromCIDR(block).toString(), IPv4.broadcastAddressFromCIDR(block).toString()];
}

/** True when `ip` is inside the CIDR block `block`. */
export function cidrContains(block: string, ip: string): boolean {
  return IPv4.parse(ip).match(IPv4.parseCIDR(block));
}

/** True when two CIDR blocks share any address (one contains the other's network address). */
export function cidrsOverlap(a: string, b: string): boolean {
  return cidrContains(a, cidrBounds(b)[0]) || cidrContains(b, cidrBounds(a)[0]);
}

/**
 * Why `ip` cannot be a host's address in `block`, or undefined when it can: a block's network and broadcast
 * addresses are not host addresses (RFC 919, RFC 950), except in a /31 or /32 (RFC 3021).
 */
export function hostAddressProblem(block: string, ip: string): string | undefined {
  const [network, broadcast] = cidrBounds(block);
  if (Number(block.split("/")[1]) >= 31) return undefined;
  if (ip === network) return `${ip} is the network address of ${block}, not a host address`;
  if (ip === broadcast) return `${ip} is the broadcast address of ${block}, not a host address`;
  return undefined;
}

/** An inclusive range of addresses, as MetalLB pools list them. */
export type Ipv4Range = readonly [first: string, last: string];

/**
 * The range a MetalLB pool entry covers, `a.b.c.d-a.b.c.e` (ascending) or `a.b.c.d/n` (its network address), or
 * undefined when the entry is neither (https://metallb.io/configuration/#defining-the-ips-to-assign-to-the-load-balancer-services).
 */
export function rangeOf(entry: string): Ipv4Range | undefined {
  // A block written with host bits (192.168.10.241/28) is refused as the likely typo it is.
  if (IPv4.isValidCIDRFourPartDecimal(entry)) {
    const bounds = cidrBounds(entry);
    return bounds[0] === addressOf(entry) ? bounds : undefined;
  }
  const parts = entry.split("-");
  if (parts.length !== 2 || !parts.every((p) => IPv4.isValidFourPartDecimal(p))) return undefined;
  return toNumber(parts[0]) <= toNumber(parts[1]) ? [parts[0], parts[1]] : undefined;
}

/** True when `ip` is inside the inclusive range. */
export function inRange(range: Ipv4Range, ip: string): boolean {
  return toNumber(ip) >= toNumber(range[0]) && toNumber(ip) <= toNumber(range[1]);
}

/** The address part of `a.b.c.d/n` (or the address itself). */
export function addressOf(hostCidr: string): string {
  return hostCidr.split("/")[0];
}
