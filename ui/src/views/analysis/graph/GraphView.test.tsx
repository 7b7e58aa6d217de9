// The Graph view without WebGL (jsdom has none): the table fallback, the node cap line, kind
// filters re-querying, the side panel with targets and pivot, expansion and hub collapsing.
// The WebGL drawing itself is covered by the browser tests.

import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import {
  getGraphNeighbourhood,
  getGraphNodeDetail,
  queryGraph,
  type GraphFilter,
  type GraphSlice,
} from "../../../ipc";
import { NavigateContext } from "../../../navigate";
import { GraphView } from "./GraphView";

vi.mock("./webgl", () => ({ webglAvailable: () => false }));
vi.mock("../../../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../../ipc")>()),
  queryGraph: vi.fn(),
  getGraphNeighbourhood: vi.fn(),
  getGraphNodeDetail: vi.fn(),
  markGeneric: vi.fn(),
}));

function slice(filter: GraphFilter): GraphSlice {
  const all = [
    {
      id: 1,
      kind: "target",
      label: "https://a.example/",
      campaign: "c1",
      degree: 2,
      generic: false,
    },
    { id: 2, kind: "ip", label: "10.0.0.1", campaign: null, degree: 900, generic: false },
    { id: 3, kind: "favicon_hash", label: "-123", campaign: null, degree: 2, generic: true },
  ];
  const nodes = all.filter((n) => !filter.kinds || filter.kinds.includes(n.kind));
  return { nodes, edges: [], truncated: false, total_nodes: nodes.length * 1000 };
}

// jsdom lays nothing out; give elements a size so the virtualized table renders rows.
const SIZES = ["clientHeight", "clientWidth", "offsetHeight", "offsetWidth"];
const own = SIZES.map((name) => Object.getOwnPropertyDescriptor(HTMLElement.prototype, name));
beforeAll(() => {
  for (const name of SIZES) {
    Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => 600 });
  }
});
afterAll(() => {
  SIZES.forEach((name, i) => {
    const descriptor = own[i];
    if (descriptor) Object.defineProperty(HTMLElement.prototype, name, descriptor);
    else delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name];
  });
});

beforeEach(() => {
  vi.mocked(queryGraph)
    .mockReset()
    .mockImplementation(async (f) => slice(f));
  vi.mocked(getGraphNodeDetail)
    .mockReset()
    .mockResolvedValue({
      id: 2,
      kind: "ip",
      value: "10.0.0.1",
      targets: [
        {
          id: 77,
          url: "https://a.example/<b>",
          status: "DONE",
          risk_score: 80,
          domain: "a.example",
          ip: "10.0.0.1",
          title: null,
          reason: null,
        },
      ],
      pivot_kind: "ip",
      pivot_value: "10.0.0.1",
    } as never);
  vi.mocked(getGraphNeighbourhood)
    .mockReset()
    .mockResolvedValue({
      nodes: [
        { id: 9, kind: "domain", label: "b.example", campaign: null, degree: 1, generic: false },
      ],
      edges: [{ id: 90, source: 9, target: 2, kind: "domain" }],
      truncated: false,
      total_nodes: 1,
    });
});

describe("GraphView without WebGL", () => {
  it("lists the nodes in a table with the node cap line", async () => {
    render(<GraphView />);
    expect(await screen.findByText("Showing 3 of 3,000 nodes")).toBeInTheDocument();
    expect(screen.getByText(/cannot be drawn here \(no WebGL\)/)).toBeInTheDocument();
    const table = screen.getByRole("table", { name: "Graph nodes" });
    expect(within(table).getAllByRole("row")).toHaveLength(4);
    expect(queryGraph).toHaveBeenLastCalledWith({
      kinds: null,
      campaign: null,
      since: null,
      until: null,
      nodeCap: 5000,
    });
  });

  it("queries again when a kind is unchecked, and applies campaign and dates", async () => {
    render(<GraphView />);
    await screen.findByText("Showing 3 of 3,000 nodes");
    fireEvent.click(screen.getByLabelText("ip"));
    expect(await screen.findByText("Showing 2 of 2,000 nodes")).toBeInTheDocument();
    expect(vi.mocked(queryGraph).mock.lastCall![0].kinds).not.toContain("ip");

    fireEvent.change(screen.getByPlaceholderText("campaign key"), { target: { value: "c1" } });
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "2026-11-01" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    await waitFor(() =>
      expect(vi.mocked(queryGraph).mock.lastCall![0]).toMatchObject({
        campaign: "c1",
        since: "2026-11-01T00:00:00Z",
        until: null,
      }),
    );
  });

  it("collapses hubs: generic values and nodes above the degree", async () => {
    render(<GraphView />);
    await screen.findByText("Showing 3 of 3,000 nodes");
    fireEvent.click(screen.getByLabelText(/Collapse hubs above/));
    expect(await screen.findByText("Showing 1 of 3,000 nodes")).toBeInTheDocument();
    expect(screen.queryByText("10.0.0.1")).not.toBeInTheDocument();
  });

  it("opens the side panel of a clicked node, its targets, pivot and expansion", async () => {
    const navigate = vi.fn();
    render(
      <NavigateContext.Provider value={navigate}>
        <GraphView />
      </NavigateContext.Provider>,
    );
    fireEvent.click(await screen.findByText("10.0.0.1"));
    const panel = await screen.findByRole("complementary", { name: "Node detail" });
    expect(await within(panel).findByText("https://a.example/<b>")).toBeInTheDocument();
    expect(getGraphNodeDetail).toHaveBeenCalledWith(2);

    fireEvent.click(within(panel).getByRole("button", { name: "#77" }));
    expect(navigate).toHaveBeenLastCalledWith("targets", { target: "77" });
    fireEvent.click(within(panel).getByRole("button", { name: /Open all targets sharing/ }));
    expect(navigate).toHaveBeenLastCalledWith("targets", {
      pivot_kind: "ip",
      pivot_value: "10.0.0.1",
    });

    fireEvent.click(within(panel).getByRole("button", { name: "Expand neighbourhood" }));
    expect(await screen.findByText("b.example")).toBeInTheDocument();
    expect(getGraphNeighbourhood).toHaveBeenCalledWith(2, 1, 5000);
    expect(screen.getByText("Showing 4 of 3,001 nodes")).toBeInTheDocument();
  });
});
