/**
 * GitLab Code Quality reports from policy violations: a JSON array of findings, each with `description`,
 * `check_name`, `fingerprint`, `severity` (info, minor, major, critical or blocker) and `location.path` with
 * `location.lines.begin`, the fields GitLab requires
 * (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format).
 */
import { createHash } from "node:crypto";
import type { Violation } from "../plan/engine";
import { POLICIES } from "../../policies/pack";
import { Severity } from "../../policies/policy";

/** The severities GitLab's report format accepts. */
export const CODE_QUALITY_SEVERITIES = ["info", "minor", "major", "critical", "blocker"] as const;

/** A Code Quality severity. */
export type CodeQualitySeverity = (typeof CODE_QUALITY_SEVERITIES)[number];

/** One entry of a Code Quality report. */
export interface CodeQualityFinding {
  readonly description: string;
  readonly check_name: string;
  readonly fingerprint: string;
  readonly severity: CodeQualitySeverity;
  readonly location: { readonly path: string; readonly lines: { readonly begin: number } };
}

/** A violation and where the report places it. */
export interface Finding {
  readonly violation: Violation;
  /** The stack it was found in; part of the fingerprint, so one defect in two stacks is two findings. */
  readonly stack: string;
  /** The repository-relative file the report points at. */
  readonly path: string;
}

/**
 * A policy's severity on GitLab's scale, one step up from the lowest, so that "low" still shows as a finding to fix
 * (minor) and "critical" blocks (blocker). A policy the pack does not have (a plan made with another pack) is major.
 */
const SEVERITY: Readonly<Record<Severity, CodeQualitySeverity>> = {
  low: "minor",
  medium: "major",
  high: "critical",
  critical: "blocker",
};

function severityOf(policy: string): CodeQualitySeverity {
  const severity = POLICIES.find((p) => p.name === policy)?.severity;
  return severity === undefined ? "major" : SEVERITY[severity];
}

/**
 * The report for `findings`, in their order. The description is the violation's message on one line (the policy's
 * description, then what is wrong), prefixed with the enforcement level; the fingerprint hashes stack, policy, URN
 * and message, so the same defect keeps its fingerprint between pipelines and GitLab can tell new findings from
 * fixed ones.
 */
export function codeQualityReport(findings: readonly Finding[]): CodeQualityFinding[] {
  return findings.map(({ violation, stack, path }) => ({
    description: `[${violation.enforcementLevel}] ${violation.message.split("\n").join(" ")}`,
    check_name: violation.policy,
    fingerprint: createHash("sha256")
      .update(JSON.stringify([stack, violation.policy, violation.urn, violation.message]))
      .digest("hex"),
    severity: severityOf(violation.policy),
    location: { path, lines: { begin: 1 } },
  }));
}
