// The UI's only door to the Rust side: every Tauri command and event goes through this module.
// Nothing else may import `@tauri-apps/*`; components import these typed functions instead, and
// tests mock this module as a whole. Types crossing the boundary come from `./bindings`, which
// ts-rs generates from src-tauri/ipc_types.rs.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";

import type { DbStatusView } from "./bindings/DbStatusView";
import type { IpcError } from "./bindings/IpcError";
import type { TableCountView } from "./bindings/TableCountView";

export type { DbStatusView, IpcError, TableCountView };

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
