// The UI's only door to the Rust side: every Tauri command and event goes through this module.
// Nothing else may import `@tauri-apps/*`; components import these typed functions instead, and
// tests mock this module as a whole. Types crossing the boundary come from `./bindings`, which
// ts-rs generates from src-tauri/ipc_types.rs.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";

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
