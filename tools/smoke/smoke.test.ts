import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LOCALHOST_SERVER, openTestPki, TestCa, TestCertificate, TestPki } from "../../components/talos/testing";
import { healthUrlOf, main, parseArgs, parseDuration, smokeCheck, SmokeOptions } from "./smoke";

let pki: TestPki;
let ca: TestCa;
let otherCa: TestCa;
let server: TestCertificate;
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "smoke-test-"));
  pki = openTestPki();
  ca = pki.ca("ca", "/CN=Smoke Test CA", "ecdsa");
  otherCa = pki.ca("other-ca", "/CN=Another CA", "ecdsa");
  server = ca.issue("server", "/CN=127.0.0.1", LOCALHOST_SERVER);
});

afterAll(() => {
  pki.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

/** Serves `handler` over HTTPS on 127.0.0.1 and returns the health URL and a closer. */
async function serve(handler: (res: import("node:http").ServerResponse, n: number) => void) {
  let requests = 0;
  const srv = https.createServer({ key: server.keyPem, cert: server.certPem }, (_req, res) => handler(res, ++requests));
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}/healthz`;
  return {
    url,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => (srv.closeAllConnections(), srv.close(() => resolve()))),
  };
}

/** A fake clock that only sleeps move: deterministic attempt counts, no real waiting. */
function fakeTime(): Pick<SmokeOptions, "sleep" | "now"> & { slept: number[] } {
  let clock = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => clock,
    sleep: async (ms) => {
      slept.push(ms);
      clock += ms;
    },
  };
}

describe("smokeCheck", () => {
  it("passes when the health endpoint answers 2xx over TLS trusted through the given CA", async () => {
    const s = await serve((res) => res.writeHead(200).end("ok"));
    try {
      await expect(smokeCheck({ url: s.url, ca: ca.certPem, ...fakeTime() })).resolves.toEqual({
        status: 200,
        attempts: 1,
      });
    } finally {
      await s.close();
    }
  });

  it("retries until the endpoint recovers, pausing 1 s, 2 s, 4 s …", async () => {
    const s = await serve((res, n) => res.writeHead(n < 4 ? 503 : 204).end());
    const time = fakeTime();
    try {
      await expect(smokeCheck({ url: s.url, ca: ca.certPem, ...time })).resolves.toEqual({ status: 204, attempts: 4 });
      expect(time.slept).toEqual([1000, 2000, 4000]);
    } finally {
      await s.close();
    }
  });

  it("fails with the last status when the endpoint keeps answering 500", async () => {
    const s = await serve((res) => res.writeHead(500).end("boom"));
    const time = fakeTime();
    try {
      await expect(smokeCheck({ url: s.url, ca: ca.certPem, timeoutMs: 30_000, ...time })).rejects.toThrow(
        `smoke check failed: ${s.url} did not answer 2xx within 30s (7 attempts); last answer: HTTP 500`,
      );
      expect(time.slept).toEqual([1000, 2000, 4000, 8000, 10000, 5000]);
      expect(s.requests()).toBe(7);
    } finally {
      await s.close();
    }
  });

  it("fails with a timeout when the endpoint never answers", async () => {
    const s = await serve(() => undefined);
    try {
      await expect(
        smokeCheck({ url: s.url, ca: ca.certPem, timeoutMs: 1000, requestTimeoutMs: 100, ...fakeTime() }),
      ).rejects.toThrow(
        `smoke check failed: ${s.url} did not answer 2xx within 1s (2 attempts); last error: no answer within 0.1s`,
      );
    } finally {
      await s.close();
    }
  });

  it.each([
    ["a CA that did not issue the certificate", () => otherCa.certPem],
    ["the system's CAs", () => undefined],
  ])("fails on a certificate error when trusting %s", async (_label, trusted) => {
    const s = await serve((res) => res.writeHead(200).end());
    const caPem = trusted();
    try {
      await expect(
        smokeCheck({ url: s.url, timeoutMs: 1000, ...(caPem === undefined ? {} : { ca: caPem }), ...fakeTime() }),
      ).rejects.toThrow(
        new RegExp(
          `^smoke check failed: ${s.url.replace(/[.]/g, "\\.")} did not answer 2xx within 1s \\(2 attempts\\); last error: .*\\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\\)$`,
        ),
      );
      expect(s.requests()).toBe(0);
    } finally {
      await s.close();
    }
  });

  it.each([
    [
      "http://eve.lab.example.com/healthz",
      "smoke check: url 'http://eve.lab.example.com/healthz' must be https://; the check proves TLS works too",
    ],
    ["eve.lab.example.com", "smoke check: url 'eve.lab.example.com' is not a URL; give https://<host>/<health path>"],
  ])("refuses %s", async (url, message) => {
    await expect(smokeCheck({ url })).rejects.toThrow(message);
  });
});

describe("command line", () => {
  it.each([
    ["60s", 60_000],
    ["2m", 120_000],
    ["1500ms", 1500],
  ])("parseDuration(%s) is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each<[string[], string]>([
    [[], "--url or --stack is required, e.g. --url https://eve.lab.example.com/healthz or --stack eve-skill-farm"],
    [
      ["--url", "https://x/healthz", "--stack", "eve-skill-farm"],
      "--url and --stack both name the endpoint; give one of them",
    ],
    [["--url"], "--url needs a value"],
    [
      ["--url", "https://x/healthz", "--retries", "3"],
      "unknown argument '--retries'; usage: smoke.ts (--url https://… | --stack eve-skill-farm) [--ca FILE] [--timeout 60s]",
    ],
    [
      ["--url", "https://x/healthz", "--timeout", "0s"],
      "--timeout '0s' must be a positive duration such as 60s, 2m or 1500ms",
    ],
    [
      ["--url", "https://x/healthz", "--timeout", "soon"],
      "--timeout 'soon' must be a positive duration such as 60s, 2m or 1500ms",
    ],
  ])("parseArgs(%j) throws", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it("reads the CA file and exits 0 when the endpoint is healthy", async () => {
    const s = await serve((res) => res.writeHead(200).end());
    const caFile = path.join(scratch, "trusted.pem");
    writeFileSync(caFile, ca.certPem);
    const out = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await expect(main(["--url", s.url, "--ca", caFile, "--timeout", "5s"])).resolves.toBe(0);
      expect(out).toHaveBeenCalledWith(`smoke check passed: ${s.url} answered 200 (attempt 1)\n`);
    } finally {
      out.mockRestore();
      await s.close();
    }
  });

  it("exits 2 with the message for bad arguments", async () => {
    const err = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      await expect(main(["--timeout", "60s"])).resolves.toBe(2);
      expect(err).toHaveBeenCalledWith(
        "--url or --stack is required, e.g. --url https://eve.lab.example.com/healthz or --stack eve-skill-farm\n",
      );
    } finally {
      err.mockRestore();
    }
  });

  it("requests the healthUrl output of the stack named by --stack", async () => {
    const s = await serve((res) => res.writeHead(200).end());
    const caFile = path.join(scratch, "trusted-stack.pem");
    writeFileSync(caFile, ca.certPem);
    const asked: string[] = [];
    const readOutputs = async (stack: string) => {
      asked.push(stack);
      return { url: s.url.replace(/healthz$/, ""), healthUrl: s.url, host: "127.0.0.1", namespace: "eve-skill-farm" };
    };
    const out = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await expect(main(["--stack", "eve-skill-farm", "--ca", caFile], { readOutputs })).resolves.toBe(0);
      expect(asked).toEqual(["eve-skill-farm"]);
      expect(out).toHaveBeenCalledWith(`smoke check passed: ${s.url} answered 200 (attempt 1)\n`);
    } finally {
      out.mockRestore();
      await s.close();
    }
  });

  it("exits 2 naming the stack when it has no healthUrl output", async () => {
    const err = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      await expect(
        main(["--stack", "acme/foundation/eve-skill-farm"], { readOutputs: async () => ({ url: "https://x/" }) }),
      ).resolves.toBe(2);
      expect(err).toHaveBeenCalledWith(
        "stack 'acme/foundation/eve-skill-farm' has no https healthUrl output (got nothing); deploy it with this version of Foundation first (pulumi up --stack acme/foundation/eve-skill-farm)\n",
      );
    } finally {
      err.mockRestore();
    }
  });

  it.each([
    [{ healthUrl: "http://eve.lab.example.com/healthz" }, '"http://eve.lab.example.com/healthz"'],
    [null, "nothing"],
  ])("healthUrlOf refuses %j", (outputs, got) => {
    expect(() => healthUrlOf("eve-skill-farm", outputs)).toThrow(
      `stack 'eve-skill-farm' has no https healthUrl output (got ${got}); deploy it with this version of Foundation first (pulumi up --stack eve-skill-farm)`,
    );
  });
});
