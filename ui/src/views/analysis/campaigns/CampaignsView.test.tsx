// The Campaigns view with the IPC module mocked: the sorted list, a campaign's page with its
// members (screenshot or placeholder, evidence as text), split, merge, pin and mark-generic
// calling their commands and reloading, and the neighbourhood drawing.

import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import {
  getCampaignDetail,
  listCampaigns,
  markGeneric,
  mergeCampaigns,
  pinCampaignMember,
  queryGraph,
  splitCampaign,
  type CampaignDetail,
  type CampaignSummary,
} from "../../../ipc";
import { NavigateContext } from "../../../navigate";
import { CampaignsView } from "./CampaignsView";

vi.mock("../../../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../../ipc")>()),
  listCampaigns: vi.fn(),
  getCampaignDetail: vi.fn(),
  splitCampaign: vi.fn(),
  mergeCampaigns: vi.fn(),
  pinCampaignMember: vi.fn(),
  markGeneric: vi.fn(),
  queryGraph: vi.fn(),
  screenshotUrl: (path: string) => `asset://localhost/${encodeURIComponent(path)}`,
}));

// jsdom lays nothing out; give elements a size so the virtualized grid renders rows.
const SIZES = ["clientHeight", "clientWidth", "offsetHeight", "offsetWidth"];
beforeAll(() => {
  for (const name of SIZES) {
    Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => 900 });
  }
});
afterAll(() => {
  for (const name of SIZES)
    delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name];
});

function summary(key: string, size: number): CampaignSummary {
  return {
    key,
    size,
    risk_max: 91,
    first_seen: "2026-11-01T08:00:00Z",
    last_seen: "2026-11-03T09:30:00Z",
    top_values: [{ kind: "favicon_hash", value: "-1234", count: size }],
  };
}

function detail(key: string): CampaignDetail {
  return {
    summary: summary(key, 3),
    members: [1, 2, 3].map((id) => ({
      target_id: id,
      url: id === 2 ? "https://x.example/<script>alert(1)</script>" : `https://m${id}.example/`,
      domain: `m${id}.example`,
      screenshot_path: id === 3 ? null : `/blobs/${id}.png`,
      pinned: id === 1,
      evidence: [`shares favicon hash -1234 with ${id + 1}`],
    })),
  };
}

beforeEach(() => {
  vi.mocked(listCampaigns)
    .mockReset()
    .mockImplementation(async (offset, _limit, sort, descending) => ({
      rows: [summary("c-big", 12), summary("c-small", 2)].map((c) => ({ ...c, sort, descending })),
      total: 2 + offset,
    }));
  vi.mocked(getCampaignDetail)
    .mockReset()
    .mockImplementation(async (key) => detail(key));
  vi.mocked(splitCampaign).mockReset().mockResolvedValue("c-new");
  vi.mocked(mergeCampaigns).mockReset().mockResolvedValue("c-big");
  vi.mocked(pinCampaignMember).mockReset().mockResolvedValue(true);
  vi.mocked(markGeneric).mockReset().mockResolvedValue();
  vi.mocked(queryGraph)
    .mockReset()
    .mockResolvedValue({
      nodes: [
        {
          id: 1,
          kind: "target",
          label: "https://m1.example/",
          campaign: "c-big",
          degree: 1,
          generic: false,
        },
        { id: 5, kind: "favicon_hash", label: "-1234", campaign: null, degree: 3, generic: false },
      ],
      edges: [{ id: 7, source: 1, target: 5, kind: "favicon_hash" }],
      truncated: false,
      total_nodes: 2,
    });
});

/** The member cards of the grid (evidence lists hold list items too). */
const cards = (grid: HTMLElement) => [...grid.querySelectorAll<HTMLElement>("[data-target-id]")];

async function openBig() {
  render(<CampaignsView />);
  fireEvent.click(await screen.findByRole("button", { name: "c-big" }));
  return screen.findByRole("list", { name: "Members" });
}

describe("CampaignsView", () => {
  it("lists campaigns and sorts them on the server", async () => {
    render(<CampaignsView />);
    const table = await screen.findByRole("table", { name: "Campaigns" });
    expect(within(table).getAllByRole("row")).toHaveLength(3);
    expect(within(table).getAllByText("favicon hash")).toHaveLength(2);
    expect(listCampaigns).toHaveBeenLastCalledWith(0, 50, "size", true);
    fireEvent.click(within(table).getByRole("button", { name: "Risk" }));
    await waitFor(() => expect(listCampaigns).toHaveBeenLastCalledWith(0, 50, "risk", true));
    fireEvent.click(within(table).getByRole("button", { name: /Risk/ }));
    await waitFor(() => expect(listCampaigns).toHaveBeenLastCalledWith(0, 50, "risk", false));
  });

  it("shows members with screenshots, placeholders and evidence as text", async () => {
    const grid = await openBig();
    expect(cards(grid)).toHaveLength(3);
    expect(within(grid).getByAltText("Screenshot of target 1")).toHaveAttribute(
      "src",
      "asset://localhost/%2Fblobs%2F1.png",
    );
    expect(within(grid).getByText("No screenshot")).toBeInTheDocument();
    expect(
      within(grid).getByText("https://x.example/<script>alert(1)</script>"),
    ).toBeInTheDocument();
    expect(grid.querySelector("script")).toBeNull();
    expect(within(grid).getByText("shares favicon hash -1234 with 2")).toBeInTheDocument();
    expect(await screen.findByRole("img", { name: "Graph of campaign c-big" })).toHaveAttribute(
      "data-node-count",
      "2",
    );
  });

  it("splits the selected members, pins one and marks a value generic", async () => {
    const grid = await openBig();
    const card2 = cards(grid)[1];
    fireEvent.click(within(card2).getByRole("checkbox"));
    fireEvent.click(screen.getByRole("button", { name: "Split selected into a new campaign" }));
    expect(await screen.findByRole("button", { name: "c-new" })).toBeInTheDocument();
    expect(splitCampaign).toHaveBeenCalledWith("c-big", [2]);
    expect(getCampaignDetail).toHaveBeenCalledTimes(2);

    fireEvent.click(within(card2).getByRole("button", { name: "Pin" }));
    await waitFor(() => expect(pinCampaignMember).toHaveBeenCalledWith("c-big", 2, true));
    fireEvent.click(screen.getByRole("button", { name: "Mark favicon_hash -1234 generic" }));
    await waitFor(() => expect(markGeneric).toHaveBeenCalledWith("favicon_hash", "-1234", true));
  });

  it("merges another campaign and opens the surviving one", async () => {
    await openBig();
    fireEvent.click(screen.getByRole("button", { name: "Merge another campaign…" }));
    const picker = await screen.findByRole("combobox");
    await within(picker).findByText("c-small (2 members)");
    fireEvent.change(picker, { target: { value: "c-small" } });
    fireEvent.click(screen.getByRole("button", { name: "Merge" }));
    await waitFor(() => expect(mergeCampaigns).toHaveBeenCalledWith("c-big", "c-small"));
    expect(await screen.findByText("Merged campaign c-small into this one")).toBeInTheDocument();
    expect(getCampaignDetail).toHaveBeenCalledTimes(2);
  });

  it("opens a member's target and the graph through navigation", async () => {
    const navigate = vi.fn();
    render(
      <NavigateContext.Provider value={navigate}>
        <CampaignsView params={{ key: "c-big" }} />
      </NavigateContext.Provider>,
    );
    const grid = await screen.findByRole("list", { name: "Members" });
    fireEvent.click(within(cards(grid)[0]).getByRole("button", { name: "Open" }));
    expect(navigate).toHaveBeenLastCalledWith("targets", { target: "1" });
    fireEvent.click(screen.getByRole("button", { name: "Open in Graph" }));
    expect(navigate).toHaveBeenLastCalledWith("graph", { campaign: "c-big" });
  });
});
