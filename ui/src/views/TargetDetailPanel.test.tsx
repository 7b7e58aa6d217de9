// The detail panel with the IPC module mocked: chain with hop kinds, headers, TLS, assets and
// indicators, all as text, including a title that carries markup.

import { render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { getTargetDetail } from "../ipc";
import { TargetDetailPanel, parseChain } from "./TargetDetailPanel";

vi.mock("../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../ipc")>()),
  getTargetDetail: vi.fn(),
}));

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
    expect(screen.getByText("cd".repeat(32))).toBeInTheDocument();
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

describe("parseChain", () => {
  it("gives no hops for a missing or broken chain", () => {
    expect(parseChain(null)).toEqual([]);
    expect(parseChain("not json")).toEqual([]);
    expect(parseChain('{"url": "x"}')).toEqual([]);
  });
});
