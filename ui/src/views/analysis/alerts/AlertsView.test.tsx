// The Alerts view with the IPC module mocked: filter by acknowledged state, acknowledge one and
// several, open the target through navigation, hostile text stays text, and the empty state.

import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { ackAlerts, listAlerts, type AlertRow } from "../../../ipc";
import { NavigateContext } from "../../../navigate";
import { AlertsView } from "./AlertsView";

vi.mock("../../../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../../ipc")>()),
  listAlerts: vi.fn(),
  ackAlerts: vi.fn(),
}));

function alert(id: number, acknowledged = false): AlertRow {
  return {
    id,
    target_id: 100 + id,
    url: `https://bank${id}.example/login`,
    kind: "keyword",
    message: `Brand keyword ${id}`,
    created_at: "2026-12-01T10:00:00Z",
    acknowledged_at: acknowledged ? "2026-12-02T10:00:00Z" : null,
  };
}

let store: AlertRow[];

beforeEach(() => {
  store = [alert(1), alert(2), alert(3, true)];
  vi.mocked(listAlerts)
    .mockReset()
    .mockImplementation(async (acknowledged, offset, limit) => {
      const rows = store.filter(
        (a) => acknowledged === null || (a.acknowledged_at !== null) === acknowledged,
      );
      return { rows: rows.slice(offset, offset + limit), total: rows.length };
    });
  vi.mocked(ackAlerts)
    .mockReset()
    .mockImplementation(async (ids) => {
      store = store.map((a) => (ids.includes(a.id) ? { ...a, acknowledged_at: "now" } : a));
      return ids.length;
    });
});

describe("AlertsView", () => {
  it("lists unacknowledged alerts first and switches the filter", async () => {
    render(<AlertsView />);
    expect(await screen.findByText("Brand keyword 1")).toBeInTheDocument();
    expect(screen.queryByText("Brand keyword 3")).not.toBeInTheDocument();
    expect(listAlerts).toHaveBeenLastCalledWith(false, 0, 100);

    fireEvent.change(screen.getByLabelText("Show"), { target: { value: "all" } });
    expect(await screen.findByText("Brand keyword 3")).toBeInTheDocument();
    expect(listAlerts).toHaveBeenLastCalledWith(null, 0, 100);
  });

  it("acknowledges a single alert and a selection, then reloads", async () => {
    render(<AlertsView />);
    const row = (await screen.findByText("Brand keyword 1")).closest("tr")!;
    fireEvent.click(within(row).getByRole("button", { name: "Acknowledge" }));
    await waitFor(() => expect(screen.queryByText("Brand keyword 1")).not.toBeInTheDocument());
    expect(ackAlerts).toHaveBeenCalledWith([1]);

    fireEvent.click(screen.getByLabelText("Select all on this page"));
    fireEvent.click(screen.getByRole("button", { name: "Acknowledge selected (1)" }));
    await waitFor(() => expect(ackAlerts).toHaveBeenLastCalledWith([2]));
    expect(await screen.findByText(/No alerts to look at/)).toBeInTheDocument();
  });

  it("opens the target through the app's navigation", async () => {
    const navigate = vi.fn();
    render(
      <NavigateContext.Provider value={navigate}>
        <AlertsView />
      </NavigateContext.Provider>,
    );
    fireEvent.click(await screen.findByRole("button", { name: "#102" }));
    expect(navigate).toHaveBeenCalledWith("targets", { target: "102" });
  });

  it("shows captured text as text", async () => {
    store = [{ ...alert(1), message: "<img src=x onerror=alert(1)>", url: "javascript:alert(1)" }];
    const { container } = render(<AlertsView />);
    expect(await screen.findByText("<img src=x onerror=alert(1)>")).toBeInTheDocument();
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("a")).toBeNull();
  });

  it("shows the error of a failed acknowledgement", async () => {
    vi.mocked(ackAlerts).mockRejectedValue({ code: "db_unavailable", message: "gone" });
    render(<AlertsView />);
    const row = (await screen.findByText("Brand keyword 2")).closest("tr")!;
    fireEvent.click(within(row).getByRole("button", { name: "Acknowledge" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("db_unavailable gone");
  });
});
