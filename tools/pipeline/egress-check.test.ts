import { createSocket, Socket } from "node:dgram";
import { createServer as createHttpServer, Server as HttpServer } from "node:http";
import { AddressInfo, createServer as createTcpServer, Server as TcpServer } from "node:net";
import { egressReport, parseArguments, runCheck } from "./egress-check";

/** Servers on loopback standing in for GitLab, an SSH port and an NTP server. */
let http: HttpServer;
let tcp: TcpServer;
let ntp: Socket;
let mute: Socket;
let closedPort: number;
const port = (server: { address(): AddressInfo | string | null }) => (server.address() as AddressInfo).port;

beforeAll(async () => {
  http = createHttpServer((req, res) => {
    // `/hang` never answers, like a firewall that drops the packets.
    if (req.url === "/hang") return;
    res.statusCode = req.url === "/broken" ? 502 : 302;
    res.end();
  });
  tcp = createTcpServer((socket) => socket.end());
  ntp = createSocket("udp4");
  ntp.on("message", (request, peer) => {
    // An SNTP server reply: mode 4 (server), stratum 2, as RFC 4330 lays it out.
    const reply = Buffer.alloc(48);
    reply[0] = (request[0] & 0x38) | 0x04;
    reply[1] = 2;
    ntp.send(reply, peer.port, peer.address);
  });
  mute = createSocket("udp4");
  const closed = createTcpServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  closedPort = port(closed);
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await Promise.all([
    new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve)),
    new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve)),
    new Promise<void>((resolve) => ntp.bind(0, "127.0.0.1", resolve)),
    new Promise<void>((resolve) => mute.bind(0, "127.0.0.1", resolve)),
  ]);
});

afterAll(async () => {
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
  await new Promise((resolve) => tcp.close(resolve));
  ntp.close();
  mute.close();
});

describe("runCheck", () => {
  test("passes when each service answers", async () => {
    const results = await Promise.all([
      runCheck({ kind: "dns", host: "localhost" }),
      runCheck({ kind: "https", url: `http://127.0.0.1:${port(http)}/users/sign_in` }),
      runCheck({ kind: "tcp", host: "127.0.0.1", port: port(tcp) }),
    ]);
    expect(results.map((r) => [r.check.kind, r.ok])).toEqual([
      ["dns", true],
      ["https", true],
      ["tcp", true],
    ]);
    expect(results[1].detail).toBe("HTTP 302");
  });

  test("fails on a server error, a closed port and a name that does not resolve", async () => {
    const results = await Promise.all([
      runCheck({ kind: "https", url: `http://127.0.0.1:${port(http)}/broken` }),
      runCheck({ kind: "tcp", host: "127.0.0.1", port: closedPort }),
      runCheck({ kind: "dns", host: "gitlab.invalid" }),
    ]);
    expect(results.map((r) => r.ok)).toEqual([false, false, false]);
    expect(results[0].detail).toBe("HTTP 502");
    expect(results[1].detail).toContain("ECONNREFUSED");
    expect(results[2].detail).toContain("gitlab.invalid");
  });

  test("fails when nothing answers within the deadline", async () => {
    const result = await runCheck({ kind: "https", url: `http://127.0.0.1:${port(http)}/hang` }, 200);
    expect(result).toMatchObject({ ok: false, detail: "no answer within 0.2 s" });
  });
});

describe("egressReport", () => {
  test("names the runner on every line and sums up", async () => {
    const { lines, ok } = await egressReport("proxmox-deploy", [
      { kind: "dns", host: "localhost" },
      { kind: "tcp", host: "127.0.0.1", port: port(tcp) },
    ]);
    expect(ok).toBe(true);
    expect(lines[1]).toBe(`runner proxmox-deploy: tcp 127.0.0.1:${port(tcp)}: ok (connected)`);
    expect(lines[2]).toBe("runner proxmox-deploy: every egress check passed");
  });

  test("fails when one check fails, saying how many", async () => {
    const { lines, ok } = await egressReport(
      "proxmox-deploy",
      [
        { kind: "tcp", host: "127.0.0.1", port: port(tcp) },
        { kind: "tcp", host: "127.0.0.1", port: closedPort },
      ],
      500,
    );
    expect(ok).toBe(false);
    expect(lines[1]).toMatch(
      new RegExp(`^runner proxmox-deploy: tcp 127.0.0.1:${closedPort}: FAILED \\(.*ECONNREFUSED`),
    );
    expect(lines[2]).toBe("runner proxmox-deploy: 1 of 2 egress checks failed");
  });
});

describe("the NTP check", () => {
  test("passes on a server's answer", async () => {
    const result = await runCheck({ kind: "ntp", host: "127.0.0.1", port: port(ntp) });
    expect(result).toMatchObject({ ok: true, detail: "server answered (stratum 2)" });
  });

  test("fails when no server answers", async () => {
    const result = await runCheck({ kind: "ntp", host: "127.0.0.1", port: port(mute) }, 300);
    expect(result).toMatchObject({ ok: false, detail: "no answer within 0.3 s" });
  });
});

describe("parseArguments", () => {
  test("reads the runner and the checks in order", () => {
    expect(
      parseArguments([
        "--runner",
        "proxmox-deploy",
        "--dns",
        "gitlab.example.com",
        "--https",
        "https://gitlab.example.com",
        "--ntp",
        "192.168.10.1",
        "--tcp",
        "gitlab.example.com:22",
      ]),
    ).toEqual({
      runner: "proxmox-deploy",
      checks: [
        { kind: "dns", host: "gitlab.example.com" },
        { kind: "https", url: "https://gitlab.example.com" },
        { kind: "ntp", host: "192.168.10.1", port: 123 },
        { kind: "tcp", host: "gitlab.example.com", port: 22 },
      ],
    });
  });

  test.each([
    [["--dns", "gitlab.example.com"], "egress-check: --runner NAME is required, so the output names the runner"],
    [["--runner", "x"], "egress-check: give at least one check"],
    [["--runner", "x", "--tcp", "gitlab.example.com"], "egress-check: --tcp gitlab.example.com must be HOST:PORT"],
    [
      ["--runner", "x", "--ping", "y"],
      "egress-check: unknown argument --ping; use --runner, --dns, --https, --ntp or --tcp",
    ],
    [["--runner"], "egress-check: --runner needs a value"],
  ])("refuses %j", (argv, message) => {
    expect(() => parseArguments(argv)).toThrow(new Error(message));
  });
});
