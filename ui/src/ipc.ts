// The UI's only door to the Rust side: every Tauri command and event goes through this module.
// Nothing else may import `@tauri-apps/*`; components import these typed functions instead, and
// tests mock this module as a whole. Types crossing the boundary come from `./bindings`, which
// ts-rs generates from src-tauri/ipc_types.rs.

import { convertFileSrc, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open as openDialog, save as saveDialog } from "@tauri-apps/plugin-dialog";

import type { CancelledScan } from "./bindings/CancelledScan";
import type { DbStatusView } from "./bindings/DbStatusView";
import type { IpcError } from "./bindings/IpcError";
import type { PreviewDuplicate } from "./bindings/PreviewDuplicate";
import type { PreviewRejected } from "./bindings/PreviewRejected";
import type { PreviewUrl } from "./bindings/PreviewUrl";
import type { ScanProgressEvent } from "./bindings/ScanProgressEvent";
import type { ScanSources } from "./bindings/ScanSources";
import type { StartScanRequest } from "./bindings/StartScanRequest";
import type { StartedScan } from "./bindings/StartedScan";
import type { TableCountView } from "./bindings/TableCountView";
import type { TargetPage } from "./bindings/TargetPage";
import type { TargetQuery } from "./bindings/TargetQuery";
import type { TargetRow } from "./bindings/TargetRow";
import type { UrlPreview } from "./bindings/UrlPreview";
import type {
  DatabaseConfig,
  ExportedTargets,
  FullTargetPage,
  FullTargetQuery,
  FullTargetRow,
  JobPage,
  JobRow,
  KeyStatus,
  LogLevel,
  LogPage,
  LogQuery,
  LogRow,
  SettingView,
  TargetPivot,
  TargetsChanged,
  TargetText,
} from "./ipcTypes";

export type {
  CancelledScan,
  DbStatusView,
  IpcError,
  PreviewDuplicate,
  PreviewRejected,
  PreviewUrl,
  ScanProgressEvent,
  ScanSources,
  StartScanRequest,
  StartedScan,
  TableCountView,
  TargetPage,
  TargetQuery,
  TargetRow,
  UrlPreview,
};
export type {
  DatabaseConfig,
  ExportedTargets,
  FullTargetPage,
  FullTargetQuery,
  FullTargetRow,
  JobPage,
  JobRow,
  KeyStatus,
  LogLevel,
  LogPage,
  LogQuery,
  LogRow,
  SettingView,
  TargetPivot,
  TargetsChanged,
  TargetText,
};

/** Event the Rust side emits about twice a second while a scan runs. */
export const SCAN_PROGRESS_EVENT = "scan-progress";

/**
 * One target as the engine stores it: every column plus `assets`, `indicators` and `matches`.
 * It crosses unchanged (the engine adds columns often), so views read fields defensively.
 */
export type TargetDetail = Record<string, unknown>;

/** Error code `db_status` returns while the database is still starting. */
export const DB_STARTING = "db_starting";

/** Names of the events the Rust side emits when database startup finishes. */
export const DB_READY_EVENT = "db-ready";
export const DB_FAILED_EVENT = "db-failed";

/** True when `value` has the `{code, message}` shape of an error from a command. */
export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== "object" || value === null) return false;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === "string" && typeof message === "string";
}

/** Turns whatever a rejected command or a broken bridge threw into an `IpcError`. */
export function toIpcError(value: unknown): IpcError {
  if (isIpcError(value)) return value;
  const message = value instanceof Error ? value.message : String(value);
  return { code: "ipc_failed", message };
}

/** Calls a command and rejects with an `IpcError`, never with a bare string or `Error`. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (err) {
    throw toIpcError(err);
  }
}

/** The database's mode, location, versions and row counts; rejects with `db_starting` early on. */
export function getDbStatus(): Promise<DbStatusView> {
  return call<DbStatusView>("db_status");
}

/** Starts opening the database again if startup failed; resolves at once (watch the events). */
export function retryDbStartup(): Promise<void> {
  return call<void>("retry_db_startup");
}

/**
 * Calls `onDone` once database startup has finished, whether it succeeded or failed (ask
 * `getDbStatus` which). Resolves to a function that stops listening.
 */
export async function onDbStartupFinished(onDone: () => void): Promise<() => void> {
  const stops = await Promise.all([
    listen(DB_READY_EVENT, () => onDone()),
    listen(DB_FAILED_EVENT, () => onDone()),
  ]);
  return () => stops.forEach((stop) => stop());
}

/** Previews dropped URL-list files; rejects with `file_unreadable` or `list_invalid` (path named). */
export function parseUrlLists(paths: string[]): Promise<UrlPreview> {
  return call<UrlPreview>("parse_url_lists", { paths });
}

/** Previews pasted text as a URL list. */
export function parseUrlText(text: string): Promise<UrlPreview> {
  return call<UrlPreview>("parse_url_text", { text });
}

/** Queues a scan; the Rust side reads the same sources again rather than trusting a preview. */
export function startScan(request: StartScanRequest): Promise<StartedScan> {
  return call<StartedScan>("start_scan", { request });
}

/** Skips the still-queued targets of a scan. */
export function cancelScan(scanId: number): Promise<CancelledScan> {
  return call<CancelledScan>("cancel_scan", { scanId });
}

/** One page of the target table, sorted and filtered in Postgres. */
export function listTargets(query: TargetQuery): Promise<TargetPage> {
  return call<TargetPage>("list_targets", { query });
}

/** Everything stored about one target; rejects with `target_not_found`. */
export function getTargetDetail(id: number): Promise<TargetDetail> {
  return call<TargetDetail>("target_detail", { id });
}

/** Calls `onProgress` with every `scan-progress` event; resolves to a function that stops. */
export async function onScanProgress(
  onProgress: (progress: ScanProgressEvent) => void,
): Promise<() => void> {
  return listen<ScanProgressEvent>(SCAN_PROGRESS_EVENT, (event) => onProgress(event.payload));
}

/**
 * Calls `onDrop` with the paths of files dropped on the window (the OS drop, which gives real
 * paths), and `onHover` as a drag enters or leaves. Resolves to a function that stops.
 */
export async function onFileDrop(
  onDrop: (paths: string[]) => void,
  onHover: (hovering: boolean) => void = () => {},
): Promise<() => void> {
  return getCurrentWebview().onDragDropEvent((event) => {
    const payload = event.payload;
    if (payload.type === "drop") {
      onHover(false);
      if (payload.paths.length > 0) onDrop(payload.paths);
    } else {
      onHover(payload.type !== "leave");
    }
  });
}

// --- Targets, jobs, logs and settings (issue 9) ---

/** Event the workers emit (batched, about twice a second) when targets are stored or updated. */
export const TARGETS_CHANGED_EVENT = "targets-changed";

/** One page of the target table with every issue-9 filter and column. */
export function listTargetsFull(query: FullTargetQuery): Promise<FullTargetPage> {
  return call<FullTargetPage>("list_targets", { query });
}

/** Calls `onChange` with the ids of every `targets-changed` event; resolves to a stop function. */
export async function onTargetsChanged(onChange: (ids: number[]) => void): Promise<() => void> {
  return listen<TargetsChanged>(TARGETS_CHANGED_EVENT, (event) => onChange(event.payload.ids));
}

/** The URL the webview loads a stored screenshot from (asset protocol, blob store only). */
export function screenshotUrl(path: string): string {
  return convertFileSrc(path);
}

/** Captured HTML (`html`) or rendered DOM (`dom`) of a target as text. */
export function getTargetText(id: number, kind: "html" | "dom"): Promise<TargetText> {
  return call<TargetText>("target_text", { id, kind });
}

/** For each fingerprint of the target, how many other targets share it. */
export function getTargetPivots(id: number): Promise<TargetPivot[]> {
  return call<TargetPivot[]>("target_pivots", { id });
}

/** Adds (or with `remove`, removes) a tag; rejects with `invalid_tag`. Resolves to rows changed. */
export function tagTargets(ids: number[], tag: string, remove: boolean): Promise<number> {
  return call<number>("tag_targets", { ids, tag, remove });
}

/** Queues the targets again. */
export function rescanTargets(ids: number[], mode: "fast" | "full"): Promise<StartedScan> {
  return call<StartedScan>("rescan_targets", { ids, mode });
}

/** Writes the given targets (or all matching `query`) to `path`. */
export function exportTargets(
  ids: number[] | null,
  query: FullTargetQuery | null,
  format: "jsonl" | "csv",
  path: string,
): Promise<ExportedTargets> {
  return call<ExportedTargets>("export_targets", { ids, query, format, path });
}

/** Asks where to save a file; resolves to null when the analyst cancels. */
export async function chooseSavePath(
  defaultPath: string,
  filters: { name: string; extensions: string[] }[] = [],
): Promise<string | null> {
  try {
    return await saveDialog({ defaultPath, filters });
  } catch (err) {
    throw toIpcError(err);
  }
}

/** Asks for a directory; resolves to null when the analyst cancels. */
export async function chooseDirectory(title: string): Promise<string | null> {
  try {
    const picked = await openDialog({ directory: true, multiple: false, title });
    return typeof picked === "string" ? picked : null;
  } catch (err) {
    throw toIpcError(err);
  }
}

/** One page of jobs, filtered by state and kind. */
export function listJobs(
  state: string | null,
  kind: string | null,
  offset: number,
  limit: number,
): Promise<JobPage> {
  return call<JobPage>("list_jobs", { state, kind, offset, limit });
}

/** Event the workers emit (batched) when jobs change state or progress. */
export const JOBS_CHANGED_EVENT = "jobs-changed";

/** Calls `onChange` with the ids of every `jobs-changed` event; resolves to a stop function. */
export async function onJobsChanged(onChange: (ids: number[]) => void): Promise<() => void> {
  return listen<{ ids: number[] }>(JOBS_CHANGED_EVENT, (event) => onChange(event.payload.ids));
}

/** Cancels a queued or running job; false when it could not be cancelled. */
export function cancelJob(id: number): Promise<boolean> {
  return call<boolean>("cancel_job", { id });
}

/** Queues a failed job again; false when it was not failed. */
export function retryJob(id: number): Promise<boolean> {
  return call<boolean>("retry_job", { id });
}

/** Log records, newest first, at or above the minimum level. */
export function listLogs(query: LogQuery): Promise<LogPage> {
  const { level, text, target_id: targetId, before_id: beforeId, limit } = query;
  return call<LogPage>("list_logs", { level, text, targetId, beforeId, limit });
}

/** Every setting with its value (secrets masked) and default. */
export function listSettings(): Promise<SettingView[]> {
  return call<SettingView[]>("list_settings");
}

/** Stores a setting; rejects with `invalid_setting` and the reason. */
export function setSetting(name: string, value: string): Promise<SettingView> {
  return call<SettingView>("set_setting", { name, value });
}

/** Returns a setting to its default (a secret is cleared). */
export function unsetSetting(name: string): Promise<SettingView> {
  return call<SettingView>("unset_setting", { name });
}

/** Where the settings encryption key comes from and whether a keyring is available. */
export function getKeyStatus(): Promise<KeyStatus> {
  return call<KeyStatus>("key_status");
}

/** The database the app uses. */
export function getDatabaseConfig(): Promise<DatabaseConfig> {
  return call<DatabaseConfig>("database_config");
}

/** Chooses the database for the next start (`url` for remote mode). */
export function setDatabaseConfig(
  mode: "embedded" | "remote",
  url: string | null,
): Promise<DatabaseConfig> {
  return call<DatabaseConfig>("set_database_config", { mode, url });
}

// --- Analysis views (campaigns, graph, rules, alerts) ---
// Commands of the campaigns, graph, rules and alerts views. The shapes follow the IPC contract
// (issue 10); they are declared here until ts-rs generates them into ./bindings.

/** A shared value that links the members of a campaign, with how many members share it. */
export interface CampaignValue {
  kind: string;
  value: string;
  count: number;
}

/** One campaign as the campaign list shows it. */
export interface CampaignSummary {
  key: string;
  size: number;
  risk_max: number | null;
  first_seen: string | null;
  last_seen: string | null;
  top_values: CampaignValue[];
}

/** A page of campaigns and the number of campaigns in all. */
export interface CampaignPage {
  rows: CampaignSummary[];
  total: number;
}

/** How the campaign list is ordered. */
export type CampaignSort = "size" | "risk" | "last_seen" | "first_seen";

/** One member of a campaign with the evidence that put it there. */
export interface CampaignMember {
  target_id: number;
  url: string;
  domain: string | null;
  screenshot_path: string | null;
  pinned: boolean;
  evidence: string[];
}

/** A campaign's summary and members. */
export interface CampaignDetail {
  summary: CampaignSummary;
  members: CampaignMember[];
}

/** A node of the infrastructure graph: a target or a pivot value. */
export interface GraphNode {
  id: number;
  kind: string;
  label: string;
  campaign: string | null;
  degree: number;
  generic: boolean;
}

/** An edge of the infrastructure graph. */
export interface GraphEdge {
  id: number;
  source: number;
  target: number;
  kind: string;
}

/** Part of the infrastructure graph; `truncated` when `total_nodes` exceeded the cap. */
export interface GraphSlice {
  nodes: GraphNode[];
  edges: GraphEdge[];
  truncated: boolean;
  total_nodes: number;
}

/** Which part of the graph to load. Times are RFC 3339. */
export interface GraphFilter {
  kinds: string[] | null;
  campaign: string | null;
  since: string | null;
  until: string | null;
  nodeCap: number;
}

/** A graph node with the targets that carry its value and the pivot that lists them. */
export interface GraphNodeDetail {
  id: number;
  kind: string;
  value: string;
  targets: TargetRow[];
  pivot_kind: string | null;
  pivot_value: string | null;
}

/** The three kinds of rules the rules view edits. */
export type RuleKind = "signature" | "yara" | "alert";

/** A stored rule. */
export interface RuleView {
  id: number;
  kind: RuleKind;
  name: string;
  source: string;
  enabled: boolean;
  created_at: string;
  match_count: number;
}

/** A compile error; `line` and `column` count from 1. */
export interface RuleError {
  line: number;
  column: number;
  message: string;
  rule: string | null;
}

/** A match of a rule under test in one target. */
export interface RuleTestMatch {
  rule: string;
  location: string;
  excerpt: string;
}

/** What an IOK import stored, which fields of its rules Trawl does not capture, and the files
 * it left out (each with why). */
export interface IokImport {
  imported: number;
  unsupported: { rule: string; field: string }[];
  skipped: string[];
}

/** One alert raised by an alert rule. */
export interface AlertRow {
  id: number;
  target_id: number;
  url: string;
  kind: string;
  message: string;
  created_at: string;
  acknowledged_at: string | null;
}

/** A page of alerts and the number matching in all. */
export interface AlertPage {
  rows: AlertRow[];
  total: number;
}

/** One page of campaigns. */
export function listCampaigns(
  offset: number,
  limit: number,
  sort: CampaignSort,
  descending: boolean,
): Promise<CampaignPage> {
  return call<CampaignPage>("list_campaigns", { offset, limit, sort, descending });
}

/** A campaign and its members; rejects with `campaign_not_found`. */
export function getCampaignDetail(key: string): Promise<CampaignDetail> {
  return call<CampaignDetail>("campaign_detail", { key });
}

/** Moves the given members into a new campaign; resolves to its key (null: nothing moved). */
export function splitCampaign(key: string, targetIds: number[]): Promise<string | null> {
  return call<string | null>("campaign_split", { key, targetIds });
}

/** Merges campaign `other` into `key`; resolves to the surviving key. */
export function mergeCampaigns(key: string, other: string): Promise<string> {
  return call<string>("campaign_merge", { key, other });
}

/** Pins a member to its campaign (re-clustering keeps it there) or unpins it. */
export function pinCampaignMember(
  key: string,
  targetId: number,
  pinned: boolean,
): Promise<boolean> {
  return call<boolean>("campaign_pin", { key, targetId, pinned });
}

/** Marks a value as generic (it no longer links targets) or clears the mark. */
export function markGeneric(kind: string, value: string, generic: boolean): Promise<void> {
  return call<void>("mark_generic", { kind, value, generic });
}

/** The graph (or the part the filter selects), at most `nodeCap` nodes. */
export function queryGraph(filter: GraphFilter): Promise<GraphSlice> {
  return call<GraphSlice>("graph_query", { ...filter });
}

/** The nodes within `depth` edges of a node, at most `nodeCap`. */
export function getGraphNeighbourhood(
  nodeId: number,
  depth: number,
  nodeCap: number,
): Promise<GraphSlice> {
  return call<GraphSlice>("graph_neighbourhood", { nodeId, depth, nodeCap });
}

/** A node's value, its targets and its pivot. */
export function getGraphNodeDetail(nodeId: number): Promise<GraphNodeDetail> {
  return call<GraphNodeDetail>("graph_node_detail", { nodeId });
}

/** Writes the whole graph as GEXF to `path`. */
export function exportGraphGexf(path: string): Promise<{ path: string }> {
  return call<{ path: string }>("export_graph_gexf", { path });
}

/** Writes bytes the UI produced (a PNG or SVG export) to a path the analyst chose. */
export function saveExport(path: string, dataBase64: string): Promise<{ path: string }> {
  return call<{ path: string }>("save_export", { path, dataBase64 });
}

/** Every rule of one kind. */
export function listRules(kind: RuleKind): Promise<RuleView[]> {
  return call<RuleView[]>("list_rules", { kind });
}

/** Compiles a rule source without storing it; resolves to its errors (none when it compiles). */
export function checkRule(kind: RuleKind, source: string): Promise<{ errors: RuleError[] }> {
  return call<{ errors: RuleError[] }>("check_rule", { kind, source });
}

/** Runs an unsaved rule source against one stored target. */
export function testRule(
  kind: RuleKind,
  source: string,
  targetId: number,
): Promise<{ matches: RuleTestMatch[] }> {
  return call<{ matches: RuleTestMatch[] }>("test_rule", { kind, source, targetId });
}

/** Stores a new rule (`id` null) or replaces one; rejects with `rule_invalid`. */
export function saveRule(
  kind: RuleKind,
  id: number | null,
  name: string,
  source: string,
): Promise<RuleView> {
  return call<RuleView>("save_rule", { kind, id, name, source });
}

/** Deletes a rule. */
export function deleteRule(kind: RuleKind, id: number): Promise<void> {
  return call<void>("delete_rule", { kind, id });
}

/** Imports the IOK rules of a directory. */
export function importIok(dir: string): Promise<IokImport> {
  return call<IokImport>("import_iok", { dir });
}

/** One page of alerts; `acknowledged` null lists both. */
export function listAlerts(
  acknowledged: boolean | null,
  offset: number,
  limit: number,
): Promise<AlertPage> {
  return call<AlertPage>("list_alerts", { acknowledged, offset, limit });
}

/** Acknowledges alerts; resolves to how many changed. */
export function ackAlerts(ids: number[]): Promise<number> {
  return call<number>("ack_alerts", { ids });
}

/** Kind of the jobs that hunt a saved rule over every stored target. */
export const RETROHUNT_JOB_KIND = "rules.retrohunt";

/** Calls `onChange` with the ids of every "jobs-changed" event; resolves to a stop function. */
export function onJobsChangedForAnalysis(onChange: (ids: number[]) => void): Promise<() => void> {
  return listen<{ ids: number[] }>("jobs-changed", (event) => onChange(event.payload.ids));
}
