import { readFileSync } from "node:fs";
import * as path from "node:path";
import { provenanceProblems } from "../../../tools/provenance";
import { startGitlabDouble } from "./gitlab-double";
import {
  createOpenApiValidator,
  DOCUMENT_GAPS,
  Exchange,
  loadSubset,
  OpenApiValidator,
  SUBSET_ENDPOINTS,
  SUBSET_FILE,
  UNDOCUMENTED_ENDPOINTS,
} from "./openapi";
import { extractSubset } from "./openapi-extract";

const OPENAPI_DIR = path.dirname(SUBSET_FILE);

/** A conforming runner creation, as api.ts sends it and the double answers it. */
const createRunner: Exchange = {
  method: "POST",
  path: "/api/v4/user/runners",
  query: {},
  body: {
    runner_type: "group_type",
    group_id: 101,
    description: "aws-arm64 (docker-autoscaler)",
    paused: false,
    locked: false,
    run_untagged: false,
    tag_list: ["aws-arm64", "docker"],
    access_level: "not_protected",
    maximum_timeout: 3600,
  },
  status: 201,
  responseBody: { id: 102, token: "glrt-102-abc", token_expires_at: null },
};

let validator: OpenApiValidator;
beforeAll(() => {
  validator = createOpenApiValidator();
});

describe("the OpenAPI subset", () => {
  it("matches the sha256 its README records", () => {
    expect(provenanceProblems(OPENAPI_DIR)).toEqual([]);
  });

  it("names the upstream document, commit and version in its README", () => {
    const readme = readFileSync(path.join(OPENAPI_DIR, "README.md"), "utf8");
    expect(readme).toContain("doc/api/openapi/openapi_v3.yaml");
    expect(readme).toContain(loadSubset().info.version);
  });

  it("holds exactly the listed operations", () => {
    const held = Object.entries(loadSubset().paths).flatMap(([template, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${template}`),
    );
    const listed = SUBSET_ENDPOINTS.map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(held.sort()).toEqual([...listed].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it("is what the extraction writes from it: every schema it references is in it, and no other", () => {
    const subset = loadSubset();
    expect(extractSubset(subset)).toEqual(subset);
    expect(JSON.stringify(extractSubset(subset))).toBe(JSON.stringify(subset));
  });

  it("allows unchecked only endpoints it does not hold, each with its reason and in the README", () => {
    const readme = readFileSync(path.join(OPENAPI_DIR, "README.md"), "utf8");
    for (const entry of UNDOCUMENTED_ENDPOINTS) {
      expect(SUBSET_ENDPOINTS.some((e) => e.method === entry.method && e.path === entry.path)).toBe(false);
      expect(entry.reason).toMatch(/https:\/\/docs\.gitlab\.com\//);
      expect(readme).toContain(`\`${entry.method.toUpperCase()} ${entry.path}\``);
    }
    const reset: Exchange = {
      method: "POST",
      path: "/api/v4/runners/7/reset_authentication_token",
      query: {},
      status: 201,
      responseBody: { token: "glrt-new", token_expires_at: null },
    };
    expect(validator.validate(reset)).toEqual([]);
    expect(createOpenApiValidator({ undocumented: [] }).validate(reset)).toEqual([
      "POST /api/v4/runners/7/reset_authentication_token: no operation of the OpenAPI subset matches",
    ]);
  });

  it("lists document gaps only for operations it holds", () => {
    const held = new Set(SUBSET_ENDPOINTS.map(({ method, path }) => `${method} ${path}`));
    expect(DOCUMENT_GAPS.filter(({ method, path }) => !held.has(`${method} ${path}`))).toEqual([]);
  });
});

describe("createOpenApiValidator", () => {
  it("accepts a conforming exchange", () => {
    expect(validator.validate(createRunner)).toEqual([]);
  });

  it("accepts a group's URL-encoded full path and a project's numeric ID as `id`", () => {
    const group: Exchange = { method: "GET", path: "/api/v4/groups/mson%2Fsub", query: {}, status: 200 };
    expect(validator.validate({ ...group, responseBody: { id: 7, full_path: "mson/sub" } })).toEqual([]);
    const labels: Exchange = {
      method: "GET",
      path: "/api/v4/projects/42/labels",
      query: new URLSearchParams({ search: "type::bug", include_ancestor_groups: "false", per_page: "100" }),
      status: 200,
      responseBody: [{ id: 1, name: "type::bug", color: "#FF0000", description: null, is_project_label: true }],
    };
    expect(validator.validate(labels)).toEqual([]);
  });

  it("prefers literal segments to parameters (`/runners/all` is not runner `all`)", () => {
    const all: Exchange = { method: "GET", path: "/api/v4/runners/all", query: { type: "group_type" }, status: 200 };
    expect(validator.validate({ ...all, responseBody: [] })).toEqual([]);
  });

  it("rejects an endpoint the subset does not describe", () => {
    expect(validator.validate({ method: "GET", path: "/api/v4/version", query: {}, status: 200 })).toEqual([
      "GET /api/v4/version: no operation of the OpenAPI subset matches",
    ]);
    expect(validator.validate({ ...createRunner, method: "PATCH" })).toEqual([
      "PATCH /api/v4/user/runners: no operation of the OpenAPI subset matches",
    ]);
  });

  it("accepts an endpoint on the written allow-list", () => {
    const allowing = createOpenApiValidator({
      undocumented: [{ method: "get", path: "/api/v4/version", reason: "for this test" }],
    });
    expect(allowing.validate({ method: "GET", path: "/api/v4/version", query: {}, status: 200 })).toEqual([]);
  });

  it("rejects a body of the wrong type, a value outside the enum, and an undocumented field", () => {
    const body = { ...(createRunner.body as object), runner_type: "group", tag_list: "docker", tags: ["docker"] };
    expect(validator.validate({ ...createRunner, body })).toEqual([
      "POST /api/v4/user/runners: body.tags: is not a documented field",
      'POST /api/v4/user/runners: body.runner_type: must be one of "instance_type", "group_type", "project_type"',
      "POST /api/v4/user/runners: body.tag_list: must be array or null",
    ]);
  });

  it("rejects a missing required field and a body where the operation documents none", () => {
    const { runner_type: _dropped, ...body } = createRunner.body as Record<string, unknown>;
    expect(validator.validate({ ...createRunner, body })).toEqual([
      "POST /api/v4/user/runners: body.runner_type: is required",
    ]);
    const show: Exchange = { method: "GET", path: "/api/v4/runners/7", query: {}, body: { id: 7 }, status: 200 };
    expect(validator.validate(show)).toEqual(["GET /api/v4/runners/{id}: body.id: is not a documented field"]);
  });

  it("rejects an undocumented status, and accepts one from outside the endpoint", () => {
    const remove: Exchange = {
      method: "DELETE",
      path: "/api/v4/projects/mson%2Fgitops/deploy_keys/9",
      query: {},
      status: 204,
    };
    expect(validator.validate({ ...remove, status: 418 })).toEqual([
      "DELETE /api/v4/projects/{id}/deploy_keys/{key_id}: response.status: 418 is not documented " +
        "(documented: 204, 400, 401, 404)",
    ]);
    expect(validator.validate({ ...remove, status: 503 })).toEqual([]);
  });

  it("rejects path and query parameters of the wrong type, and undocumented ones", () => {
    expect(validator.validate({ method: "GET", path: "/api/v4/runners/abc", query: {}, status: 404 })).toEqual([
      "GET /api/v4/runners/{id}: path.id: must be integer",
    ]);
    const query = new URLSearchParams({ include_ancestor_groups: "maybe", sort: "name" });
    const labels: Exchange = { method: "GET", path: "/api/v4/groups/mson/labels", query, status: 200 };
    expect(validator.validate({ ...labels, responseBody: [] })).toEqual([
      "GET /api/v4/groups/{id}/labels: query.include_ancestor_groups: must be boolean",
      "GET /api/v4/groups/{id}/labels: query.sort: is not a documented parameter",
    ]);
  });

  it("rejects an answer whose fields have the wrong type", () => {
    expect(validator.validate({ ...createRunner, responseBody: { id: 102, token: 5 } })).toEqual([]);
    const show: Exchange = { method: "GET", path: "/api/v4/groups/mson", query: {}, status: 200 };
    expect(validator.validate({ ...show, responseBody: { id: "mson", full_path: "mson" } })).toEqual([
      "GET /api/v4/groups/{id}: response.body.id: must be integer or null",
    ]);
  });

  it("with closed responses, rejects a field the entity does not list", () => {
    const edit: Exchange = {
      method: "PUT",
      path: "/api/v4/projects/mson%2Fgitops/deploy_keys/9",
      query: {},
      body: { title: "flux", can_push: true },
      status: 200,
      responseBody: { id: 9, title: "flux", key: "ssh-ed25519 AAAA", can_push: true },
    };
    expect(validator.validate(edit)).toEqual([]);
    expect(createOpenApiValidator({ closedResponses: true }).validate(edit)).toEqual([
      "PUT /api/v4/projects/{id}/deploy_keys/{key_id}: response.body.can_push: is not a documented field",
    ]);
  });

  it("accepts what the document leaves out only through the written gaps", () => {
    const variable: Exchange = {
      method: "GET",
      path: "/api/v4/groups/mson/variables/AWS_DEPLOY_ROLE_ARN",
      query: new URLSearchParams({ "filter[environment_scope]": "production" }),
      status: 200,
      responseBody: { key: "AWS_DEPLOY_ROLE_ARN", value: "arn", environment_scope: "production" },
    };
    const remove: Exchange = {
      ...variable,
      method: "DELETE",
      query: {},
      body: { filter: { environment_scope: "*" } },
      status: 204,
      responseBody: undefined,
    };
    expect(validator.validate(variable)).toEqual([]);
    expect(validator.validate(remove)).toEqual([]);
    expect(validator.validate({ ...createRunner, body: { runner_type: "group_type", group_id: 1 } })).toEqual([]);

    const strict = createOpenApiValidator({ gaps: [] });
    expect(strict.validate(variable)).toEqual([
      "GET /api/v4/groups/{id}/variables/{key}: query.filter[environment_scope]: is not a documented parameter",
    ]);
    expect(strict.validate(remove)).toEqual([
      "DELETE /api/v4/groups/{id}/variables/{key}: body.filter: is not a documented field",
      "DELETE /api/v4/groups/{id}/variables/{key}: response.status: 204 is not documented (documented: 200, 400, 404)",
    ]);
    expect(strict.validate({ ...createRunner, body: { runner_type: "group_type", group_id: 1 } })).toEqual([
      "POST /api/v4/user/runners: body.project_id: is required",
    ]);
  });
});

describe("the GitLab double", () => {
  it("collects the problems of its exchanges and fails close() with them", async () => {
    const double = await startGitlabDouble();
    double.addGroup("mson");
    const response = await fetch(`${double.url}/api/v4/user/runners`, {
      method: "POST",
      headers: { "private-token": double.token, "content-type": "application/json" },
      body: JSON.stringify({ runner_type: "group", group_id: "mson" }),
    });
    expect(response.status).toBe(400);
    const expected = [
      "POST /api/v4/user/runners: body.group_id: must be integer or null",
      'POST /api/v4/user/runners: body.runner_type: must be one of "instance_type", "group_type", "project_type"',
    ];
    expect(double.problems).toEqual(expected);
    await expect(double.close()).rejects.toThrow(
      `exchanges with the GitLab double departed from GitLab's OpenAPI document:\n  - ${expected.join("\n  - ")}`,
    );
  });

  it("closes quietly when every exchange conforms", async () => {
    const double = await startGitlabDouble();
    double.addGroup("mson");
    const response = await fetch(`${double.url}/api/v4/groups/mson`, { headers: { "private-token": double.token } });
    expect(response.status).toBe(200);
    expect(double.problems).toEqual([]);
    await expect(double.close()).resolves.toBeUndefined();
  });
});
