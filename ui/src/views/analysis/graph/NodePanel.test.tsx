// The node side panel for a target node: the stored value is the target's id, so the panel
// shows the target's URL as text and keeps the id as a way to the target's detail.

import { fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { getGraphNodeDetail, type GraphNode } from "../../../ipc";
import { NavigateContext } from "../../../navigate";
import { NodePanel } from "./NodePanel";

vi.mock("../../../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../../ipc")>()),
  getGraphNodeDetail: vi.fn(),
  markGeneric: vi.fn(),
}));

const url = "http://pk-dropbox.corpus.test:8080/<script>alert(1)</script>";

const node: GraphNode = {
  id: 9,
  kind: "target",
  label: "http://pk-dropbox.corpus.test:8080/…",
  campaign: "c-1b8b9e81c9",
  degree: 26,
  generic: false,
};

beforeEach(() => {
  vi.mocked(getGraphNodeDetail)
    .mockReset()
    .mockResolvedValue({
      id: 9,
      kind: "target",
      value: "21",
      targets: [
        {
          id: 21,
          url,
          status: "DONE",
          risk_score: 85,
          domain: "pk-dropbox.corpus.test",
          ip: "127.0.10.6",
          title: null,
          reason: null,
        },
      ],
      pivot_kind: null,
      pivot_value: null,
    } as never);
});

function renderPanel(navigate = vi.fn()) {
  const props = {
    node,
    pinned: false,
    onExpand: async () => {},
    onUnpin: () => {},
    onGenericChanged: () => {},
    onClose: () => {},
  };
  return render(
    <NavigateContext.Provider value={navigate}>
      <NodePanel {...props} />
    </NavigateContext.Provider>,
  );
}

describe("NodePanel for a target node", () => {
  it("shows the target's URL as text, not its id, and keeps the id as a link", async () => {
    const navigate = vi.fn();
    const { container } = renderPanel(navigate);
    const panel = screen.getByRole("complementary", { name: "Node detail" });
    await within(panel).findByText("Targets (1)");

    const value = container.querySelector(".node-value");
    expect(value).toHaveTextContent(url);
    expect(value?.querySelector("script")).toBeNull();
    expect(value).not.toHaveTextContent(/^21$/);

    const buttons = within(panel).getAllByRole("button", { name: "#21" });
    fireEvent.click(buttons[0]);
    expect(navigate).toHaveBeenLastCalledWith("targets", { target: "21" });
    expect(within(panel).queryByRole("button", { name: "Mark generic" })).toBeNull();
  });

  it("shows the node's label until the detail arrives", () => {
    vi.mocked(getGraphNodeDetail).mockReturnValue(new Promise(() => {}));
    const { container } = renderPanel();
    expect(container.querySelector(".node-value")).toHaveTextContent(node.label);
  });
});
