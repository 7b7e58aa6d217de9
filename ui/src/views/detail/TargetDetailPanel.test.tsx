// The detail panel with the IPC module mocked: chain with hop kinds, headers, TLS, assets and
// indicators, all as text, including a title that carries markup.

import { fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { getTargetDetail, getTargetPivots, getTargetText } from "../../ipc";
import { NavigateContext } from "../../navigate";
import { parseChain } from "./fields";
import { TargetDetailPanel as Panel } from "./TargetDetailPanel";

vi.mock("../../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../ipc")>()),
  getTargetDetail: vi.fn(),
  getTargetPivots: vi.fn(),
  getTargetText: vi.fn(),
  screenshotUrl: (path: string) => `asset://localhost/${encodeURIComponent(path)}`,
}));

const onPivot = vi.fn();

/** The panel with a pivot callback the tests can inspect. */
function TargetDetailPanel(props: { id: number; onClose: () => void }) {
  return <Panel {...props} onPivot={onPivot} />;
}

const payload = "<img src=x onerror=alert(1)>";

const detail = {
  id: 5,
  url: "http://a.test/start",
  final_url: "https://b.test/login",
  status: "DONE",
  title: payload,
  http_status: 200,
  headers_text: `content-type: text/html\nx-evil: <script>alert(2)</script>`,
  html_excerpt: "<b>Sign in</b>",
  redirect_chain: JSON.stringify([
    { url: "http://a.test/start", status: 302, kind: "initial", ip: "127.0.10.1", error: null },
    { url: "https://b.test/go", status: 200, kind: "http", ip: "127.0.10.2", error: null },
    { url: "https://b.test/login", status: 200, kind: "meta_refresh", ip: null, error: null },
  ]),
  tls_sha256: "ab".repeat(32),
  tls_subject: "CN=b.test",
  tls_issuer: "CN=Trawl Lab CA",
  tls_valid: false,
  tls_problems: "self-signed",
  assets: [{ type: "script", url: "https://b.test/kit.js", sha256: "cd".repeat(32) }],
  indicators: [{ kind: "email", value: "drop@b.test" }],
};

beforeEach(() => {
  vi.mocked(getTargetDetail).mockReset().mockResolvedValue(detail);
  vi.mocked(getTargetPivots)
    .mockReset()
    .mockResolvedValue([
      { kind: "favicon", label: "favicon", value: "f00d", count: 14 },
      { kind: "ip", label: "IP address", value: "10.0.0.1", count: 0 },
    ]);
  vi.mocked(getTargetText)
    .mockReset()
    .mockResolvedValue({ text: "<p>dom</p>", truncated: true, bytes: 2097152 });
  onPivot.mockReset();
});

describe("TargetDetailPanel", () => {
  it("renders the chain with hop kinds in order", async () => {
    render(<TargetDetailPanel id={5} onClose={() => {}} />);

    const chain = await screen.findByRole("list", { name: "Redirect chain" });
    const hops = within(chain).getAllByRole("listitem");
    expect(hops.map((h) => h.querySelector(".hop-kind")?.textContent)).toEqual([
      "initial",
      "http",
      "meta_refresh",
    ]);
    expect(hops[0]).toHaveTextContent("302 http://a.test/start 127.0.10.1");
    expect(getTargetDetail).toHaveBeenCalledWith(5);
  });

  it("renders a title, headers and HTML carrying markup as literal text", async () => {
    const { container } = render(<TargetDetailPanel id={5} onClose={() => {}} />);

    const title = await screen.findByTestId("detail-title");
    expect(title.textContent).toBe(payload);
    expect(screen.getByTestId("detail-headers").textContent).toContain(
      "x-evil: <script>alert(2)</script>",
    );
    expect(screen.getByText("<b>Sign in</b>")).toBeInTheDocument();
    // Nothing became an element.
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
  });

  it("renders the certificate, assets with hashes and indicators", async () => {
    render(<TargetDetailPanel id={5} onClose={() => {}} />);

    expect(await screen.findByText("CN=Trawl Lab CA")).toBeInTheDocument();
    expect(screen.getByText(/invalid: self-signed/)).toBeInTheDocument();
    expect(screen.getByText("https://b.test/kit.js")).toBeInTheDocument();
    expect(screen.getByText("cd".repeat(32), { exact: false })).toBeInTheDocument();
    expect(screen.getByText("drop@b.test")).toBeInTheDocument();
  });

  it("shows the error of a missing target", async () => {
    vi.mocked(getTargetDetail).mockRejectedValue({
      code: "target_not_found",
      message: "no target with id 5",
    });
    render(<TargetDetailPanel id={5} onClose={() => {}} />);

    expect(await screen.findByText("target_not_found")).toBeInTheDocument();
  });
});

describe("TargetDetailPanel pivots, text and screenshot", () => {
  it("says how many other targets share a fingerprint and pivots on click", async () => {
    render(<TargetDetailPanel id={5} onClose={() => {}} />);

    const pivot = await screen.findByRole("button", {
      name: "14 other targets share this favicon",
    });
    expect(screen.queryByText(/share this IP address/)).toBeNull();
    fireEvent.click(pivot);
    expect(onPivot).toHaveBeenCalledWith("favicon", "f00d");
  });

  it("loads the rendered DOM as text and says it was truncated", async () => {
    const { container } = render(<TargetDetailPanel id={5} onClose={() => {}} />);

    fireEvent.click(await screen.findByRole("button", { name: "Rendered DOM" }));
    expect(await screen.findByTestId("captured-text")).toHaveTextContent("<p>dom</p>");
    expect(screen.getByText(/truncated at 2 MiB/)).toBeInTheDocument();
    expect(getTargetText).toHaveBeenCalledWith(5, "dom");
    expect(container.querySelector("p p")).toBeNull();
  });

  it("shows the screenshot through the asset URL and a note when there is none", async () => {
    vi.mocked(getTargetDetail).mockResolvedValue({ ...detail, screenshot_path: "/blobs/5.png" });
    const { unmount } = render(<TargetDetailPanel id={5} onClose={() => {}} />);
    const img = await screen.findByRole("img", { name: "Screenshot of the page" });
    expect(img.getAttribute("src")).toBe("asset://localhost/%2Fblobs%2F5.png");
    unmount();

    vi.mocked(getTargetDetail).mockResolvedValue(detail);
    render(<TargetDetailPanel id={5} onClose={() => {}} />);
    expect(await screen.findByText("No screenshot was taken.")).toBeInTheDocument();
  });

  it("offers captured URLs for copying, never as links", async () => {
    const { container } = render(<TargetDetailPanel id={5} onClose={() => {}} />);

    await screen.findByTestId("detail-url");
    expect(container.querySelector("a")).toBeNull();
    expect(screen.getAllByRole("button", { name: "Copy" }).length).toBeGreaterThan(0);
  });

  it("names the campaign as a way to its page and shows the capture time in local time", async () => {
    const stamp = "2026-12-04T22:59:23.836706+00:00";
    vi.mocked(getTargetDetail).mockResolvedValue({
      ...detail,
      campaign: "c-146c3170fe",
      created_at: stamp,
    });
    const navigate = vi.fn();
    render(
      <NavigateContext.Provider value={navigate}>
        <TargetDetailPanel id={5} onClose={() => {}} />
      </NavigateContext.Provider>,
    );

    const campaign = await screen.findByTestId("detail-campaign");
    fireEvent.click(within(campaign).getByRole("button", { name: "c-146c3170fe" }));
    expect(navigate).toHaveBeenCalledWith("campaigns", { key: "c-146c3170fe" });
    // Tests run in UTC+05:30; the exact stored value stays on the tooltip.
    const captured = screen.getByTestId("detail-captured");
    expect(captured).toHaveTextContent(/^2026-12-05 04:29:23$/);
    expect(within(captured).getByText("2026-12-05 04:29:23")).toHaveAttribute("title", stamp);
  });

  it("says when the target is in no campaign", async () => {
    render(<TargetDetailPanel id={5} onClose={() => {}} />);
    expect(await screen.findByTestId("detail-campaign")).toHaveTextContent("none");
  });
});

describe("parseChain", () => {
  it("reads a chain given as an array", () => {
    expect(parseChain([{ url: "a", status: 200, kind: "http" }, 5])).toHaveLength(1);
  });

  it("gives no hops for a missing or broken chain", () => {
    expect(parseChain(null)).toEqual([]);
    expect(parseChain("not json")).toEqual([]);
    expect(parseChain('{"url": "x"}')).toEqual([]);
  });
});
