/** Test support for the GitLab resources: a fake clock, an API client for the double, serialized providers. */
import * as pulumi from "@pulumi/pulumi";
import { gitlabApi, GitlabApi } from "../api";
import { GitlabDouble } from "./gitlab-double";
import { FakeClock, fakeClock as startClock } from "../../common/testing";

/** A fake clock at a fixed wall-clock time, since Retry-After may be an HTTP date. */
export function fakeClock(): FakeClock {
  return startClock(Date.parse("2026-03-01T12:00:00Z"));
}

/** A client of the double with a fast, recorded retry policy: 4 attempts, 100 ms doubling to 400 ms. */
export function apiFor(double: GitlabDouble, clock: FakeClock = fakeClock()): GitlabApi {
  return gitlabApi(
    { url: double.url, token: double.token },
    { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 400, maxRetryAfterMs: 5_000, clock },
  );
}

/** Loads a serialized dynamic provider (the `__provider` input) the way Pulumi's dynamic provider host does. */
export function loadProvider(text: string): pulumi.dynamic.ResourceProvider {
  const module = { exports: {} as { handler: () => pulumi.dynamic.ResourceProvider } };
  new Function("module", "exports", "require", text)(module, module.exports, require);
  return module.exports.handler();
}

/** Runs `body` with GITLAB_URL and GITLAB_TOKEN pointing at the double, restoring the environment after. */
export async function withGitlabEnv<T>(double: GitlabDouble, body: () => Promise<T>): Promise<T> {
  const saved = { url: process.env.GITLAB_URL, token: process.env.GITLAB_TOKEN, ci: process.env.CI_SERVER_URL };
  process.env.GITLAB_URL = double.url;
  process.env.GITLAB_TOKEN = double.token;
  try {
    return await body();
  } finally {
    restore("GITLAB_URL", saved.url);
    restore("GITLAB_TOKEN", saved.token);
    restore("CI_SERVER_URL", saved.ci);
  }
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
