import { runResourcePolicy, UNKNOWN } from "../testing";
import { ec2SecurityGroupNoPublicIngress } from "./ec2-securitygroup-no-public-ingress";

const GROUP = "aws:ec2/securityGroup:SecurityGroup";
const RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const LEGACY = "aws:ec2/securityGroupRule:SecurityGroupRule";
const run = (type: string, props: Record<string, unknown>) =>
  runResourcePolicy(ec2SecurityGroupNoPublicIngress, { type, name: "fleet-ssh", props });

describe("ec2-securitygroup-no-public-ingress", () => {
  it("passes named sources and public HTTPS", async () => {
    expect(await run(RULE, { cidrIpv4: "203.0.113.7/32", ipProtocol: "tcp", fromPort: 22, toPort: 22 })).toEqual([]);
    expect(await run(RULE, { cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443 })).toEqual([]);
    expect(await run(RULE, { referencedSecurityGroupId: "sg-1", ipProtocol: "-1" })).toEqual([]);
    expect(
      await run(GROUP, {
        ingress: [{ cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"], protocol: "tcp", fromPort: 443, toPort: 443 }],
      }),
    ).toEqual([]);
    expect(
      await run(LEGACY, { type: "egress", cidrBlocks: ["0.0.0.0/0"], protocol: "-1", fromPort: 0, toPort: 0 }),
    ).toEqual([]);
  });

  it.each([
    [RULE, { cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 22, toPort: 22 }, "0.0.0.0/0 on tcp 22"],
    [RULE, { cidrIpv6: "::/0", ipProtocol: "-1" }, "::/0 on all traffic"],
    [RULE, { cidrIpv4: "0.0.0.0/0", ipProtocol: "udp", fromPort: 443, toPort: 443 }, "0.0.0.0/0 on udp 443"],
    [
      GROUP,
      {
        ingress: [{ cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"], protocol: "tcp", fromPort: 80, toPort: 443 }],
      },
      "0.0.0.0/0 and ::/0 on tcp 80-443",
    ],
    [
      LEGACY,
      { type: "ingress", cidrBlocks: ["0.0.0.0/0"], protocol: "tcp", fromPort: 3389, toPort: 3389 },
      "0.0.0.0/0 on tcp 3389",
    ],
  ])("fails %s %j", async (type, props, what) => {
    expect(await run(type, props)).toEqual([
      `fleet-ssh admits ${what}; only TCP 443 may be open to everyone, name the sources instead`,
    ]);
  });

  it("skips a source unknown at preview", async () => {
    expect(await run(RULE, { cidrIpv4: UNKNOWN, ipProtocol: "tcp", fromPort: 22, toPort: 22 })).toEqual([]);
  });
});
