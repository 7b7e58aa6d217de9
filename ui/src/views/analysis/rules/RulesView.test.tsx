// The Rules view with the IPC module mocked: the list per kind, compile errors while typing
// (debounced), a test against a target, saving, IOK import and retro-hunt progress.

import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import {
  checkRule,
  chooseDirectory,
  importIok,
  listJobs,
  listRules,
  onJobsChangedForAnalysis,
  saveRule,
  testRule,
  type RuleView,
} from "../../../ipc";
import { RulesView } from "./RulesView";

vi.mock("../../../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../../ipc")>()),
  listRules: vi.fn(),
  checkRule: vi.fn(),
  testRule: vi.fn(),
  saveRule: vi.fn(),
  deleteRule: vi.fn(),
  importIok: vi.fn(),
  chooseDirectory: vi.fn(),
  listJobs: vi.fn(),
  onJobsChangedForAnalysis: vi.fn(),
}));

const YARA: RuleView = {
  id: 7,
  kind: "yara",
  name: "Kit_Login",
  source: 'rule Kit_Login { strings: $a = "login" condition: $a }',
  enabled: true,
  created_at: "2026-11-02T08:00:00Z",
  match_count: 12,
};

let jobsChanged: (ids: number[]) => void = () => {};

beforeEach(() => {
  vi.mocked(listRules)
    .mockReset()
    .mockImplementation(async (kind) => (kind === "yara" ? [YARA] : []));
  vi.mocked(checkRule)
    .mockReset()
    .mockImplementation(async (_kind, source) => ({
      errors: source.includes("$b")
        ? [{ line: 3, column: 5, message: "unknown identifier `$b`", rule: "Kit_Login" }]
        : [],
    }));
  vi.mocked(testRule)
    .mockReset()
    .mockResolvedValue({
      matches: [{ rule: "Kit_Login", location: "html@120", excerpt: "<b>login</b> here" }],
    });
  vi.mocked(saveRule)
    .mockReset()
    .mockImplementation(async (kind, id, name, source) => ({
      ...YARA,
      kind,
      id: id ?? 8,
      name,
      source,
    }));
  vi.mocked(listJobs)
    .mockReset()
    .mockResolvedValue({
      rows: [
        {
          id: 41,
          kind: "rules.retrohunt",
          state: "running",
          attempts: 1,
          max_attempts: 3,
          last_error: null,
          progress: "hunted 4,200 of 10,000 targets",
          created_at: "2026-12-04T10:00:00Z",
          updated_at: "2026-12-04T10:01:00Z",
        },
      ],
      total: 1,
    } as never);
  vi.mocked(onJobsChangedForAnalysis)
    .mockReset()
    .mockImplementation(async (cb) => {
      jobsChanged = cb;
      return () => {};
    });
});

async function openYaraRule() {
  render(<RulesView />);
  fireEvent.click(screen.getByRole("tab", { name: "YARA" }));
  fireEvent.click(await screen.findByRole("button", { name: /Kit_Login/ }));
  return screen.getByLabelText("yara rule source");
}

describe("RulesView", () => {
  it("lists the rules of the chosen kind", async () => {
    render(<RulesView />);
    expect(await screen.findByText("No rules of this kind yet.")).toBeInTheDocument();
    expect(listRules).toHaveBeenLastCalledWith("signature");
    fireEvent.click(screen.getByRole("tab", { name: "YARA" }));
    expect(await screen.findByText("12 matches · on · 2026-11-02 13:30")).toBeInTheDocument();
  });

  it("says how a new rule's text is written for its kind", async () => {
    render(<RulesView />);
    fireEvent.click(screen.getByRole("button", { name: "New rule" }));
    expect(
      screen.getByText(/One line `field: pattern`: field html, headers, url or asset/),
    ).toBeInTheDocument();
    fireEvent.click(screen.getByRole("tab", { name: "Alert rules" }));
    fireEvent.click(screen.getByRole("button", { name: "New rule" }));
    expect(screen.getByText(/field html, headers or url/)).toBeInTheDocument();
  });

  it("shows compile errors at their line while typing, after a pause", async () => {
    const editor = await openYaraRule();
    fireEvent.change(editor, { target: { value: "rule Kit_Login {\n condition:\n    $b\n}" } });
    expect(await screen.findByText(/line 3, column 5/)).toBeInTheDocument();
    expect(checkRule).toHaveBeenLastCalledWith("yara", "rule Kit_Login {\n condition:\n    $b\n}");
    expect(document.querySelector(".has-error")).toHaveAttribute("data-line", "3");
    expect(screen.getByRole("button", { name: "Save" })).toBeDisabled();

    fireEvent.change(editor, { target: { value: "rule Kit_Login { condition: true }" } });
    await waitFor(() => expect(screen.queryByText(/line 3, column 5/)).not.toBeInTheDocument());
    await waitFor(() => expect(screen.getByRole("button", { name: "Save" })).toBeEnabled());
  });

  it("tests the unsaved text against a target and saves it", async () => {
    const editor = await openYaraRule();
    fireEvent.change(editor, { target: { value: "rule Kit_Login { condition: true }" } });
    fireEvent.change(screen.getByPlaceholderText("target id"), { target: { value: "42" } });
    await waitFor(() => expect(screen.getByRole("button", { name: "Test" })).toBeEnabled());
    fireEvent.click(screen.getByRole("button", { name: "Test" }));
    expect(await screen.findByText("<b>login</b> here")).toBeInTheDocument();
    expect(testRule).toHaveBeenCalledWith("yara", "rule Kit_Login { condition: true }", 42);

    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(saveRule).toHaveBeenCalledWith(
        "yara",
        7,
        "Kit_Login",
        "rule Kit_Login { condition: true }",
      ),
    );
  });

  it("imports IOK rules from a chosen directory and lists unsupported fields", async () => {
    vi.mocked(chooseDirectory).mockResolvedValue("/rules/iok");
    vi.mocked(importIok).mockResolvedValue({
      imported: 31,
      unsupported: [{ rule: "kit-x", field: "favicon" }],
      skipped: ["broken: detection has no condition"],
    });
    render(<RulesView />);
    fireEvent.click(screen.getByRole("button", { name: "Import IOK rules…" }));
    expect(await screen.findByText(/Imported 31 IOK rules/)).toBeInTheDocument();
    expect(importIok).toHaveBeenCalledWith("/rules/iok");
    expect(screen.getByText("1 use fields Trawl does not capture")).toBeInTheDocument();
    expect(screen.getByText("1 file left out")).toBeInTheDocument();
    expect(screen.getByText("broken: detection has no condition")).toBeInTheDocument();
  });

  it("shows retro-hunt progress and reloads it on jobs-changed", async () => {
    render(<RulesView />);
    expect(await screen.findByText("hunted 4,200 of 10,000 targets")).toBeInTheDocument();
    expect(listJobs).toHaveBeenCalledWith(null, "rules.retrohunt", 0, 10);
    const before = vi.mocked(listJobs).mock.calls.length;
    await act(async () => jobsChanged([41]));
    expect(vi.mocked(listJobs).mock.calls.length).toBeGreaterThan(before);
  });
});
