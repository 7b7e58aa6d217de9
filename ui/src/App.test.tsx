// The first screen with the IPC module mocked: loading, status, error, and startup events.

import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { App } from "./App";
import {
  getDbStatus,
  onDbStartupFinished,
  retryDbStartup,
  type DbStatusView,
  type IpcError,
} from "./ipc";

vi.mock("./ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("./ipc")>()),
  getDbStatus: vi.fn(),
  onDbStartupFinished: vi.fn(),
  retryDbStartup: vi.fn(),
}));

const status: DbStatusView = {
  mode: "embedded",
  location: "/home/analyst/.local/share/trawl/postgres",
  server_version: "15.14",
  schema_version: 1,
  tables: [
    { name: "captures", rows: 1234 },
    { name: "targets", rows: 7 },
  ],
};

const starting: IpcError = { code: "db_starting", message: "the database is still starting" };

/** The callback the app registered for the startup events. */
let startupFinished: () => void = () => {};

beforeEach(() => {
  vi.mocked(getDbStatus).mockReset();
  vi.mocked(onDbStartupFinished).mockReset();
  vi.mocked(retryDbStartup).mockReset().mockResolvedValue(undefined);
  vi.mocked(onDbStartupFinished).mockImplementation(async (onDone) => {
    startupFinished = onDone;
    return () => {};
  });
});

describe("App", () => {
  it("shows the loading state while the database starts", async () => {
    vi.mocked(getDbStatus).mockRejectedValue(starting);
    render(<App />);

    expect(await screen.findByText("Starting database…")).toBeInTheDocument();
    await act(async () => {});
    expect(screen.getByText("Starting database…")).toBeInTheDocument();
    expect(getDbStatus).toHaveBeenCalledTimes(1);
  });

  it("renders the status with mode, location, versions and row counts", async () => {
    vi.mocked(getDbStatus).mockResolvedValue(status);
    render(<App />);

    expect(await screen.findByRole("heading", { name: "Database" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Trawl" })).toBeInTheDocument();
    expect(screen.getByText("embedded")).toBeInTheDocument();
    expect(screen.getByText(status.location)).toBeInTheDocument();
    expect(screen.getByText("15.14")).toBeInTheDocument();

    const rows = within(screen.getByRole("table")).getAllByRole("row");
    expect(rows.map((row) => row.textContent)).toEqual(["TableRows", "captures1,234", "targets7"]);
  });

  it("renders the error screen with code, message and advice", async () => {
    const error = { code: "pg_binaries_missing", message: "no PostgreSQL binaries in /usr/lib" };
    vi.mocked(getDbStatus).mockRejectedValue(error);
    render(<App />);

    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText(error.message)).toBeInTheDocument();
    expect(within(alert).getByText("pg_binaries_missing")).toBeInTheDocument();
    expect(within(alert).getByText(/TRAWL_PG_BIN/)).toBeInTheDocument();
  });

  it("wraps a non-IPC failure in the ipc_failed code", async () => {
    vi.mocked(getDbStatus).mockRejectedValue(new Error("bridge missing"));
    render(<App />);

    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("ipc_failed")).toBeInTheDocument();
    expect(within(alert).getByText("bridge missing")).toBeInTheDocument();
  });

  it("asks again when startup finishes and shows the status", async () => {
    vi.mocked(getDbStatus).mockRejectedValueOnce(starting).mockResolvedValue(status);
    render(<App />);
    await screen.findByText("Starting database…");
    await act(async () => {});

    await act(async () => startupFinished());

    expect(await screen.findByText("embedded")).toBeInTheDocument();
    expect(screen.queryByText("Starting database…")).not.toBeInTheDocument();
  });

  it("restarts startup on Retry and waits for it to finish", async () => {
    const error = { code: "database_unreachable", message: "connection refused" };
    vi.mocked(getDbStatus)
      .mockRejectedValueOnce(error)
      .mockRejectedValueOnce(starting)
      .mockResolvedValue(status);
    render(<App />);
    expect(retryDbStartup).not.toHaveBeenCalled();

    fireEvent.click(await screen.findByRole("button", { name: "Retry" }));
    expect(await screen.findByText("Starting database…")).toBeInTheDocument();
    await act(async () => {});
    expect(retryDbStartup).toHaveBeenCalledTimes(1);

    await act(async () => startupFinished());
    expect(await screen.findByText("embedded")).toBeInTheDocument();
  });
});
