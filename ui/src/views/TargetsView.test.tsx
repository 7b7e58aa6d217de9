// The Targets view with the IPC module mocked: rows of a 100,000-row table, the next page on
// scroll, server-side sort and filters, keyboard shortcuts, and the empty state.

import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { getTargetDetail, listTargets, type TargetQuery, type TargetRow } from "../ipc";
import { PAGE_SIZE, ROW_HEIGHT, TargetsView } from "./TargetsView";

vi.mock("../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../ipc")>()),
  listTargets: vi.fn(),
  getTargetDetail: vi.fn(),
}));

const TOTAL = 100_000;

function row(id: number): TargetRow {
  return {
    id,
    url: `https://site${id}.example/login`,
    status: "DONE",
    risk_score: null,
    domain: `site${id}.example`,
    ip: null,
    title: `Title ${id}`,
    reason: null,
  };
}

beforeEach(() => {
  vi.mocked(getTargetDetail).mockReset().mockResolvedValue({ id: 1, title: "One" });
  vi.mocked(listTargets)
    .mockReset()
    .mockImplementation(async (q: TargetQuery) => ({
      rows: Array.from({ length: q.limit }, (_, i) => row(q.offset + i + 1)),
      total: TOTAL,
    }));
});

const lastQuery = () => vi.mocked(listTargets).mock.calls.at(-1)![0];

describe("TargetsView", () => {
  it("renders the first rows only, not all 100,000", async () => {
    render(<TargetsView />);

    expect(await screen.findByText("https://site1.example/login")).toBeInTheDocument();
    expect(screen.getByText("100,000 targets")).toBeInTheDocument();
    expect(screen.getAllByRole("row").length).toBeLessThan(100);
    expect(lastQuery()).toEqual({
      offset: 0,
      limit: PAGE_SIZE,
      sort: "id",
      descending: true,
      status: null,
      domain: null,
    });
  });

  it("requests the page the viewport scrolls to", async () => {
    render(<TargetsView />);
    await screen.findByText("https://site1.example/login");
    const scroller = screen.getByTestId("scroller");

    scroller.scrollTop = 50_000 * ROW_HEIGHT;
    fireEvent.scroll(scroller);

    const page = Math.floor((50_000 - 10) / PAGE_SIZE);
    expect(listTargets).toHaveBeenCalledWith(expect.objectContaining({ offset: page * PAGE_SIZE }));
    expect(await screen.findByText("https://site50001.example/login")).toBeInTheDocument();
    expect(screen.queryByText("https://site1.example/login")).not.toBeInTheDocument();
  });

  it("sorts and filters on the server", async () => {
    render(<TargetsView />);
    await screen.findByText("https://site1.example/login");

    fireEvent.click(screen.getByRole("button", { name: "Domain" }));
    await act(async () => {});
    expect(lastQuery()).toMatchObject({ sort: "domain", descending: false, offset: 0 });

    fireEvent.change(screen.getByRole("combobox"), { target: { value: "FAILED" } });
    fireEvent.change(screen.getByRole("searchbox"), { target: { value: "bank" } });
    await act(async () => {});
    expect(lastQuery()).toMatchObject({ status: "FAILED", domain: "bank", offset: 0 });
  });

  it("focuses the filter on / and closes the detail on Esc", async () => {
    render(<TargetsView />);
    fireEvent.click(await screen.findByText("https://site1.example/login"));
    expect(await screen.findByRole("complementary", { name: "Target detail" })).toBeInTheDocument();

    fireEvent.keyDown(window, { key: "/" });
    expect(screen.getByRole("searchbox")).toHaveFocus();

    fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByRole("complementary", { name: "Target detail" })).not.toBeInTheDocument();
  });

  it("says how to get targets when there are none", async () => {
    vi.mocked(listTargets).mockResolvedValue({ rows: [], total: 0 });
    render(<TargetsView />);

    expect(await screen.findByText(/No targets yet\. Open Scan/)).toBeInTheDocument();
    expect(within(document.body).queryByRole("table")).not.toBeInTheDocument();
  });
});
