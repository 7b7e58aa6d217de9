// Shapes of the issue-9 commands (targets, jobs, logs, settings) as the IPC contract defines
// them, declared here until ts-rs generates them into ./bindings; ./ipc re-exports them. Fields
// the generated TargetQuery/TargetRow lack yet are added by intersection, so the same code keeps
// compiling once the generated types carry them.

import type { TargetQuery } from "./bindings/TargetQuery";
import type { TargetRow } from "./bindings/TargetRow";

/** The target filters added by issue 9 (null = no filter). */
export interface TargetFilterFields {
  risk_min: number | null;
  risk_max: number | null;
  /** IP prefix or exact address. */
  ip: string | null;
  tag: string | null;
  has_matches: boolean | null;
  /** Campaign key. */
  campaign: string | null;
  /** RFC 3339 bounds on created_at. */
  since: string | null;
  until: string | null;
  /** A fingerprint shared with other targets ("favicon", "dom_hash", …) and its value. */
  pivot_kind: string | null;
  pivot_value: string | null;
}

/** A page request of the target table with every filter. */
export type FullTargetQuery = TargetQuery & TargetFilterFields;

/** One row of the target table with the issue-9 columns. */
export type FullTargetRow = TargetRow & {
  tags: string[];
  campaign: string | null;
  match_count: number;
  created_at: string;
  screenshot_ahash: string | null;
};

/** A page of the target table. */
export interface FullTargetPage {
  rows: FullTargetRow[];
  total: number;
}

/** Payload of the `targets-changed` event. */
export interface TargetsChanged {
  ids: number[];
}

/** Captured HTML or rendered DOM as text, capped at 2 MiB. */
export interface TargetText {
  text: string;
  truncated: boolean;
  bytes: number;
}

/** A fingerprint of a target and how many OTHER targets share it. */
export interface TargetPivot {
  kind: string;
  label: string;
  value: string;
  count: number;
}

/** Result of an export. */
export interface ExportedTargets {
  path: string;
  count: number;
}

/** One background job. */
export interface JobRow {
  id: number;
  kind: string;
  state: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  progress: string | null;
  created_at: string;
  updated_at: string;
}

/** A page of jobs. */
export interface JobPage {
  rows: JobRow[];
  total: number;
}

/** Log levels, most severe first. */
export type LogLevel = "error" | "warn" | "info" | "debug";

/** One log record. */
export interface LogRow {
  id: number;
  at: string;
  level: string;
  /** The module that logged it. */
  target: string;
  message: string;
  target_id: number | null;
}

/** A page of log records, newest first. */
export interface LogPage {
  rows: LogRow[];
  has_more: boolean;
}

/** What list_logs filters on. */
export interface LogQuery {
  level: LogLevel | null;
  text: string | null;
  target_id: number | null;
  before_id: number | null;
  limit: number;
}

/** One setting; secret values arrive masked ("****1234"). */
export interface SettingView {
  name: string;
  kind: string;
  description: string;
  value: string | null;
  is_default: boolean;
  default: string | null;
  /** The allowed words of an enum setting (absent or empty for free values). */
  choices?: string[];
}

/** Where the settings encryption key comes from: "env", "keyring", "generated", "unavailable". */
export interface KeyStatus {
  source: string;
  keyring_available: boolean;
  detail: string;
}

/** Which database the app uses (a change applies at the next start). */
export interface DatabaseConfig {
  mode: "embedded" | "remote";
  url_redacted: string | null;
  data_dir: string;
  /** TRAWL_DATABASE_URL is set and wins over the stored choice. */
  env_override?: boolean;
}
