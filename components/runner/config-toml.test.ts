import { parse } from "smol-toml";
import { renderRunnerConfig, runnerConfigDocument, RunnerTokens } from "./config-toml";
import type { RunnerModel } from "./model";
import { SAMPLE_TOKENS, sampleRunnerModel } from "./testing";

const CACHE = {
  Type: "s3",
  Shared: true,
  s3: {
    ServerAddress: "s3.amazonaws.com",
    BucketName: "foundation-runner-cache",
    BucketLocation: "eu-central-1",
    AuthenticationType: "iam",
    ServerSideEncryption: "KMS",
    ServerSideEncryptionKeyID: "alias/foundation-runner-cache",
  },
};

type Parsed = { runners: Record<string, unknown>[] } & Record<string, unknown>;

function rendered(model: RunnerModel = sampleRunnerModel(), tokens: RunnerTokens = SAMPLE_TOKENS): Parsed {
  return parse(renderRunnerConfig(model, tokens)) as Parsed;
}

describe("renderRunnerConfig", () => {
  test("renders the global section with metrics on :9252", () => {
    const { runners, ...global } = rendered();
    expect(global).toEqual({
      concurrent: 44,
      check_interval: 3,
      listen_address: ":9252",
      shutdown_timeout: 3600,
      log_level: "info",
      log_format: "json",
    });
    expect(runners.map((runner) => runner.name)).toEqual(["proxmox-deploy", "arm64-spot", "amd64-ondemand"]);
  });

  test("defaults check_interval, shutdown_timeout and logging", () => {
    const model = sampleRunnerModel();
    const { runners: _runners, ...global } = rendered({ ...model, global: { concurrent: 44 } });
    expect(global).toEqual({
      concurrent: 44,
      check_interval: 3,
      listen_address: ":9252",
      shutdown_timeout: 30,
      log_level: "info",
      log_format: "json",
    });
  });

  // One row per runner kind and per pool: the parsed TOML entry equals what the model says.
  test.each<[string, number, Record<string, unknown>]>([
    [
      "deploy runner",
      0,
      {
        name: "proxmox-deploy",
        url: "https://gitlab.example.com",
        token: "glrt-deploy00000000000000",
        executor: "docker",
        limit: 2,
        docker: {
          image: "alpine:3",
          privileged: false,
          volumes: ["/cache"],
          pull_policy: ["always"],
          allowed_pull_policies: ["always"],
          allowed_images: ["registry.gitlab.example.com/platform/node@sha256:*"],
          allowed_services: ["registry.gitlab.example.com/platform/node@sha256:*"],
        },
        cache: CACHE,
      },
    ],
    [
      "arm64 spot pool with business-hours idle capacity",
      1,
      {
        name: "arm64-spot",
        url: "https://gitlab.example.com",
        token: "glrt-arm64spot00000000000",
        executor: "docker-autoscaler",
        limit: 10,
        shell: "sh",
        docker: {
          image: "alpine:3",
          privileged: true,
          volumes: ["/certs/client", "/cache"],
          pull_policy: ["always", "if-not-present"],
          helper_image: "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:arm64-${CI_RUNNER_REVISION}",
        },
        autoscaler: {
          plugin: "aws:1",
          capacity_per_instance: 1,
          max_use_count: 1,
          max_instances: 10,
          instance_ready_command: "cloud-init status --wait",
          plugin_config: {
            name: "foundation-runner-arm64-spot",
            profile: "runner",
            config_file: "/root/.aws/config",
            region: "eu-central-1",
          },
          connector_config: { username: "ec2-user", use_external_addr: true, use_static_credentials: false },
          policy: [
            { periods: ["* * * * *"], timezone: "Europe/Berlin", idle_count: 0, idle_time: "20m0s" },
            { periods: ["* 7-19 * * mon-fri"], timezone: "Europe/Berlin", idle_count: 2, idle_time: "20m0s" },
          ],
        },
        cache: CACHE,
      },
    ],
    [
      "amd64 on-demand pool with an all-day policy",
      2,
      {
        name: "amd64-ondemand",
        url: "https://gitlab.example.com",
        token: "glrt-amd64od000000000000",
        executor: "docker-autoscaler",
        limit: 20,
        shell: "sh",
        docker: {
          image: "alpine:3",
          privileged: false,
          volumes: ["/cache"],
          pull_policy: ["always", "if-not-present"],
          helper_image:
            "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:x86_64-${CI_RUNNER_REVISION}",
        },
        autoscaler: {
          plugin: "aws:1",
          capacity_per_instance: 1,
          max_use_count: 0,
          max_instances: 20,
          instance_ready_command: "cloud-init status --wait",
          plugin_config: {
            name: "foundation-runner-amd64",
            profile: "runner",
            config_file: "/root/.aws/config",
            region: "eu-central-1",
          },
          connector_config: { username: "ec2-user", use_external_addr: true, use_static_credentials: false },
          policy: [{ periods: ["* * * * *"], timezone: "UTC", idle_count: 0, idle_time: "10m" }],
        },
        cache: CACHE,
      },
    ],
  ])("renders the %s", (_kind, index, expected) => {
    expect(rendered().runners[index]).toEqual(expected);
  });

  test("parses back to exactly the typed document", () => {
    const model = sampleRunnerModel();
    expect(rendered(model)).toEqual(JSON.parse(JSON.stringify(runnerConfigDocument(model, SAMPLE_TOKENS))));
  });

  test("renders optional plugin, connector and cache settings when given", () => {
    const model = sampleRunnerModel();
    const custom: RunnerModel = {
      ...model,
      fleet: {
        ...model.fleet,
        plugin: "aws:1.2",
        awsCredentialsFile: "/root/.aws/credentials",
        useExternalAddress: false,
        useStaticCredentials: true,
        keyPath: "/etc/gitlab-runner/fleet-key",
      },
      cache: { ...model.cache, serverAddress: "s3.eu-central-1.amazonaws.com", path: "foundation" },
    };
    const pool = rendered(custom).runners[1] as {
      autoscaler: Record<string, unknown>;
      cache: Record<string, unknown>;
    };
    expect(pool.autoscaler.plugin).toBe("aws:1.2");
    expect(pool.autoscaler.plugin_config).toEqual({
      name: "foundation-runner-arm64-spot",
      profile: "runner",
      config_file: "/root/.aws/config",
      credentials_file: "/root/.aws/credentials",
      region: "eu-central-1",
    });
    expect(pool.autoscaler.connector_config).toEqual({
      username: "ec2-user",
      use_external_addr: false,
      use_static_credentials: true,
      key_path: "/etc/gitlab-runner/fleet-key",
    });
    expect(pool.cache).toEqual({
      ...CACHE,
      Path: "foundation",
      s3: { ...CACHE.s3, ServerAddress: "s3.eu-central-1.amazonaws.com" },
    });
  });

  test("never writes server-side runner settings into config.toml", () => {
    const text = renderRunnerConfig(sampleRunnerModel(), SAMPLE_TOKENS);
    for (const key of ["tags", "tag_list", "run_untagged", "runUntagged", "locked", "protected", "access_level"]) {
      expect(text).not.toMatch(new RegExp(`^\\s*${key}\\s*=`, "m"));
    }
  });

  test("is deterministic", () => {
    expect(renderRunnerConfig(sampleRunnerModel(), SAMPLE_TOKENS)).toBe(
      renderRunnerConfig(sampleRunnerModel(), SAMPLE_TOKENS),
    );
  });

  test("refuses an invalid model with the validation messages", () => {
    const model = sampleRunnerModel();
    expect(() => renderRunnerConfig({ ...model, global: { ...model.global, concurrent: 10 } }, SAMPLE_TOKENS)).toThrow(
      "global.concurrent: 10 is below 32",
    );
  });

  test("names the runner whose token is missing", () => {
    const { "arm64-spot": _omitted, ...tokens } = SAMPLE_TOKENS;
    expect(() => renderRunnerConfig(sampleRunnerModel(), tokens)).toThrow(
      new Error('tokens: no authentication token for runner "arm64-spot"; pass the group stack\'s token output for it'),
    );
  });

  test("rejects a token that is not a runner authentication token without echoing it", () => {
    const tokens = { ...SAMPLE_TOKENS, "proxmox-deploy": "GR1348941-registration-token" };
    let message = "";
    try {
      renderRunnerConfig(sampleRunnerModel(), tokens);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      'tokens: the token for runner "proxmox-deploy" is not a runner authentication token (glrt-…); create the runner with POST /user/runners',
    );
    expect(message).not.toContain("GR1348941");
  });
});
