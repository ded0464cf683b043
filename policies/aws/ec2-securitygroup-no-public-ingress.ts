import { asList, asObject, defineResourcePolicy, whenKnown } from "../policy";

const WORLD = ["0.0.0.0/0", "::/0"];
const HTTPS = 443;

/** One ingress permission, whichever resource expresses it. */
interface Ingress {
  readonly sources: readonly string[];
  readonly protocol: string;
  readonly fromPort: unknown;
  readonly toPort: unknown;
}

function ingressesOf(type: string, props: Record<string, unknown>): Ingress[] {
  if (type === "aws:ec2/securityGroup:SecurityGroup") {
    return asList(props.ingress as unknown[])
      .map(asObject)
      .map((rule) => ({
        sources: [...asList(rule.cidrBlocks as string[]), ...asList(rule.ipv6CidrBlocks as string[])],
        protocol: String(rule.protocol),
        fromPort: rule.fromPort,
        toPort: rule.toPort,
      }));
  }
  if (type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
    return [
      {
        sources: [props.cidrIpv4, props.cidrIpv6].filter((s): s is string => typeof s === "string"),
        protocol: String(props.ipProtocol),
        fromPort: props.fromPort,
        toPort: props.toPort,
      },
    ];
  }
  if (props.type !== "ingress") return [];
  return [
    {
      sources: [...asList(props.cidrBlocks as string[]), ...asList(props.ipv6CidrBlocks as string[])],
      protocol: String(props.protocol),
      fromPort: props.fromPort,
      toPort: props.toPort,
    },
  ];
}

/** `tcp 22`, `tcp 80-443`, `all traffic`. */
function describe(ingress: Ingress): string {
  if (ingress.protocol === "-1" || ingress.protocol.toLowerCase() === "all") return "all traffic";
  const ports =
    ingress.fromPort === ingress.toPort
      ? String(ingress.fromPort)
      : `${String(ingress.fromPort)}-${String(ingress.toPort)}`;
  return `${ingress.protocol} ${ports}`;
}

/**
 * Nothing is reachable from the whole internet except HTTPS: ingress from 0.0.0.0/0 or ::/0 is allowed only for
 * TCP port 443. Everything else (SSH to the runner fleet included) names its sources.
 */
export const ec2SecurityGroupNoPublicIngress = defineResourcePolicy({
  name: "ec2-securitygroup-no-public-ingress",
  description: "Security groups admit traffic from anywhere (0.0.0.0/0 or ::/0) only on TCP port 443.",
  severity: "critical",
  remediationSteps:
    "Replace the 0.0.0.0/0 or ::/0 source with the addresses that need access (an office or lab egress address, a " +
    "VPN range, another security group or a prefix list); only HTTPS on TCP 443 may stay open to everyone.",
  url: "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
  area: "aws",
  types: [
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
  ],
  check: (args, report) => {
    for (const ingress of ingressesOf(args.type, args.props)) {
      whenKnown(() => {
        const open = ingress.sources.filter((source) => WORLD.includes(source));
        if (open.length === 0) return;
        const https =
          ["tcp", "6"].includes(ingress.protocol.toLowerCase()) &&
          ingress.fromPort === HTTPS &&
          ingress.toPort === HTTPS;
        if (!https) {
          report(
            `${args.name} admits ${open.join(" and ")} on ${describe(ingress)}; ` +
              "only TCP 443 may be open to everyone, name the sources instead",
          );
        }
      });
    }
  },
});
