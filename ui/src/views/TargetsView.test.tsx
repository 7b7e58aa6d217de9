// The Targets view with the IPC module mocked: rows of a 100,000-row table, the next page on
// scroll, server-side sort and filters, pivots from view parameters, multi-selection, the column
// chooser, live refresh, keyboard moves, and the empty state.

import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import {
  getTargetDetail,
  getTargetPivots,
  listTargetsFull,
  onTargetsChanged,
  tagTargets,
  type FullTargetQuery,
  type FullTargetRow,
} from "../ipc";
import { PAGE_SIZE, ROW_HEIGHT, TargetsView } from "./TargetsView";

vi.mock("../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../ipc")>()),
  listTargetsFull: vi.fn(),
  getTargetDetail: vi.fn(),
  getTargetPivots: vi.fn(),
  onTargetsChanged: vi.fn(),
  tagTargets: vi.fn(),
}));

const TOTAL = 100_000;
let changed: (ids: number[]) => void = () => {};

function row(id: number): FullTargetRow {
  return {
    id,
    url: `https://site${id}.example/login`,
    status: "DONE",
    risk_score: null,
    domain: `site${id}.example`,
    ip: null,
    title: `Title ${id}`,
    reason: null,
    tags: [],
    campaign: null,
    match_count: 0,
    created_at: "2026-11-01T08:00:00Z",
    screenshot_ahash: null,
  };
}

beforeEach(() => {
  localStorage.clear();
  vi.mocked(getTargetDetail).mockReset().mockResolvedValue({ id: 1, title: "One" });
  vi.mocked(getTargetPivots).mockReset().mockResolvedValue([]);
  vi.mocked(tagTargets).mockReset().mockResolvedValue(2);
  vi.mocked(onTargetsChanged)
    .mockReset()
    .mockImplementation(async (cb) => {
      changed = cb;
      return () => {};
    });
  vi.mocked(listTargetsFull)
    .mockReset()
    .mockImplementation(async (q: FullTargetQuery) => ({
      rows: Array.from({ length: q.limit }, (_, i) => row(q.offset + i + 1)),
      total: TOTAL,
    }));
});

const lastQuery = () => vi.mocked(listTargetsFull).mock.calls.at(-1)![0];
const first = () => screen.findByText("https://site1.example/login");

describe("TargetsView", () => {
  it("counts a single target in the singular", async () => {
    vi.mocked(listTargetsFull).mockImplementation(async () => ({ rows: [row(1)], total: 1 }));
    render(<TargetsView />);
    expect(await first()).toBeInTheDocument();
    expect(screen.getByTestId("target-total")).toHaveTextContent(/^1 target$/);
  });

  it("renders the first rows only, not all 100,000", async () => {
    render(<TargetsView />);

    expect(await first()).toBeInTheDocument();
    expect(screen.getByText("100,000 targets")).toBeInTheDocument();
    expect(screen.getAllByRole("row").length).toBeLessThan(100);
    expect(lastQuery()).toMatchObject({ offset: 0, limit: PAGE_SIZE, sort: "id", status: null });
    for (const unset of ["risk_min", "pivot_kind", "has_matches"]) {
      expect(lastQuery()).not.toHaveProperty(unset);
    }
  });

  it("requests the page the viewport scrolls to", async () => {
    render(<TargetsView />);
    await first();
    const scroller = screen.getByTestId("scroller");

    scroller.scrollTop = 50_000 * ROW_HEIGHT;
    fireEvent.scroll(scroller);

    const page = Math.floor((50_000 - 10) / PAGE_SIZE);
    expect(listTargetsFull).toHaveBeenCalledWith(
      expect.objectContaining({ offset: page * PAGE_SIZE }),
    );
    expect(await screen.findByText("https://site50001.example/login")).toBeInTheDocument();
    expect(screen.queryByText("https://site1.example/login")).not.toBeInTheDocument();
  });

  it("sorts and filters on the server", async () => {
    render(<TargetsView />);
    await first();

    fireEvent.click(screen.getByRole("button", { name: "Domain" }));
    await act(async () => {});
    expect(lastQuery()).toMatchObject({ sort: "domain", descending: false, offset: 0 });

    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "FAILED" } });
    fireEvent.change(screen.getByRole("searchbox"), { target: { value: "bank" } });
    fireEvent.change(screen.getByLabelText("Risk ≥"), { target: { value: "70" } });
    fireEvent.change(screen.getByLabelText("Matches"), { target: { value: "true" } });
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "2026-11-02" } });
    await act(async () => {});
    expect(lastQuery()).toMatchObject({
      status: "FAILED",
      domain: "bank",
      risk_min: 70,
      has_matches: true,
      since: "2026-11-02T00:00:00Z",
      offset: 0,
    });
  });

  it("opens filtered by a pivot from its parameters and can drop the pivot", async () => {
    render(<TargetsView params={{ pivot_kind: "favicon", pivot_value: "f00d" }} />);
    await first();
    expect(lastQuery()).toMatchObject({ pivot_kind: "favicon", pivot_value: "f00d" });

    fireEvent.click(screen.getByRole("button", { name: "Remove pivot filter" }));
    await act(async () => {});
    expect(lastQuery()).not.toHaveProperty("pivot_kind");
    expect(lastQuery()).not.toHaveProperty("pivot_value");
  });

  it("selects with ctrl and shift clicks and tags the selection", async () => {
    render(<TargetsView />);
    await first();
    const rowOf = (id: number) => screen.getByText(`https://site${id}.example/login`);

    fireEvent.click(rowOf(1), { ctrlKey: true });
    fireEvent.click(rowOf(4), { shiftKey: true });
    expect(screen.getByText("4 selected")).toBeInTheDocument();
    fireEvent.click(rowOf(3), { ctrlKey: true });
    expect(screen.getByText("3 selected")).toBeInTheDocument();

    fireEvent.change(screen.getByLabelText("Tag for selection"), { target: { value: "phish" } });
    fireEvent.click(screen.getByRole("button", { name: "Add tag" }));
    await act(async () => {});
    expect(tagTargets).toHaveBeenCalledWith([1, 2, 4], "phish", false);
    expect(await screen.findByText("Tagged 2 targets.")).toBeInTheDocument();
  });

  it("keeps the selection when targets change and re-reads the rows in view", async () => {
    render(<TargetsView />);
    await first();
    fireEvent.click(screen.getByLabelText("Select target 2"));
    const before = vi.mocked(listTargetsFull).mock.calls.length;

    await act(async () => changed([2]));
    expect(vi.mocked(listTargetsFull).mock.calls.length).toBeGreaterThan(before);
    expect(lastQuery()).toMatchObject({ offset: 0 });
    expect(screen.getByText("1 selected")).toBeInTheDocument();
  });

  it("hides a column from the chooser and remembers it", async () => {
    const { unmount } = render(<TargetsView />);
    await first();
    fireEvent.click(screen.getByRole("button", { name: "Columns" }));
    fireEvent.click(
      within(screen.getByRole("group", { name: "Shown columns" })).getByLabelText("URL"),
    );
    expect(screen.queryByText("https://site1.example/login")).not.toBeInTheDocument();
    unmount();

    render(<TargetsView />);
    await screen.findByText("Title 1");
    expect(screen.queryByText("https://site1.example/login")).not.toBeInTheDocument();
  });

  it("focuses the filter on /, moves with j, opens with Enter and closes on Esc", async () => {
    render(<TargetsView />);
    await first();

    fireEvent.keyDown(window, { key: "j" });
    fireEvent.keyDown(window, { key: "j" });
    fireEvent.keyDown(window, { key: "Enter" });
    expect(await screen.findByRole("complementary", { name: "Target detail" })).toBeInTheDocument();
    expect(getTargetDetail).toHaveBeenLastCalledWith(2);

    fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByRole("complementary", { name: "Target detail" })).not.toBeInTheDocument();
  });

  it("says how to get targets when there are none", async () => {
    vi.mocked(listTargetsFull).mockResolvedValue({ rows: [], total: 0 });
    render(<TargetsView />);

    expect(await screen.findByText(/No targets yet\. Open Scan/)).toBeInTheDocument();
    expect(within(document.body).queryByRole("table")).not.toBeInTheDocument();
  });
});
