// The Scan view with the IPC module mocked: a simulated native drop, the preview with reasons,
// starting a scan, progress with rate and ETA, and cancel.

import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import {
  cancelScan,
  onFileDrop,
  onScanProgress,
  parseUrlLists,
  parseUrlText,
  startScan,
  type ScanProgressEvent,
  type UrlPreview,
} from "../ipc";
import { ScanView } from "./ScanView";

vi.mock("../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../ipc")>()),
  parseUrlLists: vi.fn(),
  parseUrlText: vi.fn(),
  startScan: vi.fn(),
  cancelScan: vi.fn(),
  onFileDrop: vi.fn(),
  onScanProgress: vi.fn(),
}));

const preview: UrlPreview = {
  accepted_count: 2,
  rejected_count: 1,
  duplicate_count: 1,
  accepted: [
    {
      source: "/lists/a.txt",
      line: 1,
      display: "https://bücher.example/",
      url: "https://xn--bcher-kva.example/",
    },
    { source: "/lists/a.txt", line: 3, display: "https://b.example/x", url: "https://b.example/x" },
  ],
  rejected: [
    {
      source: "/lists/a.txt",
      line: 2,
      text: "file:///etc/passwd",
      reason: "unsupported scheme `file:`",
    },
  ],
  duplicates: [
    {
      source: "/lists/a.txt",
      line: 4,
      first_source: "/lists/a.txt",
      first_line: 1,
      url: "https://xn--bcher-kva.example/",
    },
  ],
};

let drop: (paths: string[]) => void = () => {};
let progress: (p: ScanProgressEvent) => void = () => {};

beforeEach(() => {
  vi.mocked(parseUrlLists).mockReset().mockResolvedValue(preview);
  vi.mocked(parseUrlText).mockReset().mockResolvedValue(preview);
  vi.mocked(startScan).mockReset().mockResolvedValue({ scan_id: 7, total: 2 });
  vi.mocked(cancelScan).mockReset().mockResolvedValue({ scan_id: 7, skipped: 1 });
  vi.mocked(onFileDrop)
    .mockReset()
    .mockImplementation(async (onDrop) => {
      drop = onDrop;
      return () => {};
    });
  vi.mocked(onScanProgress)
    .mockReset()
    .mockImplementation(async (onProgress) => {
      progress = onProgress;
      return () => {};
    });
});

describe("ScanView", () => {
  it("says what to do before anything is dropped", () => {
    render(<ScanView />);

    expect(screen.getByText(/Drop URL-list files anywhere on this window/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: /Start scan of 0 URLs/ })).toBeDisabled();
  });

  it("previews dropped files with rejected reasons and duplicates", async () => {
    render(<ScanView />);
    await act(async () => {});

    await act(async () => drop(["/lists/a.txt"]));

    expect(parseUrlLists).toHaveBeenCalledWith(["/lists/a.txt"]);
    const rejected = await screen.findByRole("table", { name: "Rejected lines" });
    expect(within(rejected).getByText("unsupported scheme `file:`")).toBeInTheDocument();
    expect(within(rejected).getByText("file:///etc/passwd")).toBeInTheDocument();
    const dupes = screen.getByRole("table", { name: "Duplicates" });
    expect(within(dupes).getByText("/lists/a.txt:1")).toBeInTheDocument();
    expect(screen.getByText("https://bücher.example/")).toBeInTheDocument();
  });

  it("shows a file error with its code", async () => {
    vi.mocked(parseUrlLists).mockRejectedValue({
      code: "file_unreadable",
      message: "cannot read /lists/gone.txt: No such file",
    });
    render(<ScanView />);
    await act(async () => {});

    await act(async () => drop(["/lists/gone.txt"]));

    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("file_unreadable")).toBeInTheDocument();
    expect(alert).toHaveTextContent("/lists/gone.txt");
  });

  it("starts a scan with the sources and options, shows progress, and cancels", async () => {
    render(<ScanView />);
    fireEvent.change(screen.getByRole("textbox"), { target: { value: "https://b.example/x" } });
    fireEvent.click(screen.getByRole("button", { name: "Preview pasted text" }));
    await screen.findByRole("table", { name: "Rejected lines" });
    fireEvent.change(screen.getByRole("combobox"), { target: { value: "full" } });
    fireEvent.change(screen.getByRole("spinbutton"), { target: { value: "4" } });

    fireEvent.click(screen.getByRole("button", { name: /Start scan of 2 URLs/ }));
    await screen.findByText(/Scan 7: 2 targets queued/);

    expect(startScan).toHaveBeenCalledWith({
      sources: { paths: [], text: "https://b.example/x" },
      mode: "full",
      concurrency: 4,
    });
    await act(async () => {});
    await act(async () =>
      progress({ scan_id: 7, total: 4, done: 1, failed: 1, skipped: 0, queued: 1, running: 1 }),
    );
    const panel = screen.getByRole("region", { name: "Scan progress" });
    expect(panel).toHaveTextContent("2 of 4 finished · 1 done · 1 failed");
    expect(panel).toHaveTextContent(/targets\/s/);
    expect(within(panel).getByRole("progressbar")).toHaveAttribute("value", "2");

    fireEvent.click(within(panel).getByRole("button", { name: "Cancel scan" }));
    expect(cancelScan).toHaveBeenCalledWith(7);
  });

  it("ignores progress of other scans and stops offering cancel when finished", async () => {
    render(<ScanView />);
    fireEvent.change(screen.getByRole("textbox"), { target: { value: "https://b.example/x" } });
    fireEvent.click(screen.getByRole("button", { name: "Preview pasted text" }));
    await screen.findByRole("table", { name: "Rejected lines" });
    fireEvent.click(screen.getByRole("button", { name: /Start scan/ }));
    await screen.findByText(/Scan 7/);
    await act(async () => {});

    await act(async () =>
      progress({ scan_id: 99, total: 9, done: 9, failed: 0, skipped: 0, queued: 0, running: 0 }),
    );
    expect(screen.queryByRole("region", { name: "Scan progress" })).not.toBeInTheDocument();

    await act(async () =>
      progress({ scan_id: 7, total: 2, done: 2, failed: 0, skipped: 0, queued: 0, running: 0 }),
    );
    const panel = screen.getByRole("region", { name: "Scan progress" });
    expect(panel).toHaveTextContent("finished");
    expect(within(panel).queryByRole("button", { name: "Cancel scan" })).not.toBeInTheDocument();
  });
});
