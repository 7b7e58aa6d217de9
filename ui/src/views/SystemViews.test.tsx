// The Jobs, Logs and Settings views with the IPC module mocked.

import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import {
  getDatabaseConfig,
  getKeyStatus,
  listJobs,
  listLogs,
  listSettings,
  onJobsChanged,
  retryJob,
  setSetting,
  unsetSetting,
  type JobRow,
  type LogRow,
  type SettingView,
} from "../ipc";
import { NavigateContext } from "../navigate";
import { JobsView } from "./JobsView";
import { LogsView } from "./LogsView";
import { SettingsView } from "./SettingsView";

vi.mock("../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../ipc")>()),
  listJobs: vi.fn(),
  retryJob: vi.fn(),
  cancelJob: vi.fn(),
  onJobsChanged: vi.fn(),
  listLogs: vi.fn(),
  listSettings: vi.fn(),
  setSetting: vi.fn(),
  unsetSetting: vi.fn(),
  getKeyStatus: vi.fn(),
  getDatabaseConfig: vi.fn(),
  setDatabaseConfig: vi.fn(),
}));

const job = (id: number, state: string, extra: Partial<JobRow> = {}): JobRow => ({
  id,
  kind: "capture.target",
  state,
  attempts: 1,
  max_attempts: 3,
  last_error: null,
  progress: null,
  created_at: "2026-11-01T08:00:00Z",
  updated_at: "2026-11-01T08:01:00Z",
  ...extra,
});

const log = (id: number, level: string, target_id: number | null = null): LogRow => ({
  id,
  at: "2026-11-01T08:00:00Z",
  level,
  target: "trawl_core::worker",
  message: `record ${id}`,
  target_id,
});

const secret: SettingView = {
  name: "api.urlscan_key",
  kind: "secret",
  description: "urlscan.io API key",
  value: "****1234",
  is_default: false,
  default: null,
};
const concurrency: SettingView = {
  name: "capture.concurrency",
  kind: "int",
  description: "Pages captured at once",
  value: "4",
  is_default: true,
  default: "4",
};

let jobsChanged: (ids: number[]) => void = () => {};

beforeEach(() => {
  vi.mocked(onJobsChanged).mockImplementation(async (cb) => {
    jobsChanged = cb;
    return () => {};
  });
  vi.mocked(listJobs)
    .mockReset()
    .mockResolvedValue({
      rows: [
        job(1, "FAILED", { last_error: "timed out" }),
        job(2, "RUNNING", { progress: "3 of 5" }),
      ],
      total: 2,
    });
  vi.mocked(retryJob).mockReset().mockResolvedValue(true);
  vi.mocked(listLogs).mockReset();
  vi.mocked(listSettings).mockResolvedValue([secret, concurrency]);
  vi.mocked(getKeyStatus).mockResolvedValue({
    source: "env",
    keyring_available: false,
    detail: "TRAWL_SECRET_KEY",
  });
  vi.mocked(getDatabaseConfig).mockResolvedValue({
    mode: "embedded",
    url_redacted: null,
    data_dir: "/data",
  });
});

describe("JobsView", () => {
  it("shows progress and errors, retries a failed job and reloads on jobs-changed", async () => {
    render(<JobsView params={{ state: "FAILED" }} />);
    expect(await screen.findByText("timed out")).toBeInTheDocument();
    expect(screen.getByText("3 of 5")).toBeInTheDocument();
    expect(listJobs).toHaveBeenCalledWith("FAILED", null, 0, 100);

    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findByText("Job 1 queued again.")).toBeInTheDocument();
    expect(retryJob).toHaveBeenCalledWith(1);

    const calls = vi.mocked(listJobs).mock.calls.length;
    await act(async () => jobsChanged([2]));
    expect(vi.mocked(listJobs).mock.calls.length).toBe(calls + 1);
  });
});

describe("LogsView", () => {
  it("pages back with before_id and opens a target from a record", async () => {
    vi.mocked(listLogs)
      .mockResolvedValueOnce({ rows: [log(9, "WARN", 42), log(8, "INFO")], has_more: true })
      .mockResolvedValueOnce({ rows: [log(7, "ERROR")], has_more: false });
    const navigate = vi.fn();
    render(
      <NavigateContext.Provider value={navigate}>
        <LogsView params={{ level: "warn" }} />
      </NavigateContext.Provider>,
    );

    expect(await screen.findByText("record 9")).toBeInTheDocument();
    expect(vi.mocked(listLogs).mock.calls[0][0]).toMatchObject({ level: "warn", before_id: null });
    fireEvent.click(screen.getByRole("button", { name: "Load older" }));
    expect(await screen.findByText("record 7")).toBeInTheDocument();
    expect(vi.mocked(listLogs).mock.calls[1][0]).toMatchObject({ before_id: 8 });
    expect(screen.queryByRole("button", { name: "Load older" })).toBeNull();

    fireEvent.click(screen.getByRole("button", { name: "#42" }));
    expect(navigate).toHaveBeenCalledWith("targets", { target: "42" });
  });

  it("says what to change when nothing matches", async () => {
    vi.mocked(listLogs).mockResolvedValue({ rows: [], has_more: false });
    render(<LogsView params={{ level: "error" }} />);
    expect(await screen.findByText(/Lower the minimum level/)).toBeInTheDocument();
  });
});

describe("SettingsView", () => {
  it("never shows a secret back, sets and clears it, and shows rejections", async () => {
    vi.mocked(setSetting).mockImplementation(async (name, value) => {
      if (name === "capture.concurrency") {
        throw { code: "invalid_setting", message: "must be 1 to 32" };
      }
      return { ...secret, value: `****${value.slice(-4)}` };
    });
    vi.mocked(unsetSetting).mockResolvedValue({ ...secret, value: null, is_default: true });
    const { container } = render(<SettingsView />);

    const row = await screen.findByText("urlscan.io API key");
    const secretRow = row.closest(".setting-row") as HTMLElement;
    expect(within(secretRow).getByText("set (****1234)")).toBeInTheDocument();
    const field = within(secretRow).getByPlaceholderText("paste a new key") as HTMLInputElement;
    expect(field.value).toBe("");
    expect(field.type).toBe("password");
    fireEvent.change(field, { target: { value: "new-key-5678" } });
    fireEvent.click(within(secretRow).getByRole("button", { name: "Set" }));
    expect(await within(secretRow).findByText("set (****5678)")).toBeInTheDocument();
    expect(field.value).toBe("");
    fireEvent.click(within(secretRow).getByRole("button", { name: "Clear" }));
    expect(await within(secretRow).findByText("not set")).toBeInTheDocument();

    const intRow = screen
      .getByText("Pages captured at once")
      .closest(".setting-row") as HTMLElement;
    fireEvent.change(within(intRow).getByRole("spinbutton"), { target: { value: "99" } });
    fireEvent.click(within(intRow).getByRole("button", { name: "Save" }));
    expect(await within(intRow).findByRole("alert")).toHaveTextContent("must be 1 to 32");

    expect(await screen.findByText(/From an environment variable/)).toBeInTheDocument();
    expect(screen.getByText("Changes apply at the next start.")).toBeInTheDocument();
    expect(container.textContent).not.toContain("new-key-5678");
  });
});
