// The SVG export: a well-formed document whose labels are escaped text.

import { describe, expect, it } from "vitest";

import { bytesToBase64, escapeXml, graphToSvg, textToBase64 } from "./svgExport";

describe("svgExport", () => {
  it("escapes captured labels so they cannot become markup", () => {
    const label = '<script>alert("x")</script>&\u0007';
    const svg = graphToSvg(
      100,
      50,
      [{ x: 10, y: 10, r: 4, color: "#ff0000", label }],
      [{ x1: 0, y1: 0, x2: 10, y2: 10, color: 'red" onload="x' }],
      "#ffffff",
    );
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;");
    expect(svg).not.toContain("onload");
    const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
    expect(doc.querySelector("parsererror")).toBeNull();
    expect(doc.querySelector("text")?.textContent).toBe('<script>alert("x")</script>&');
    expect(doc.querySelectorAll("circle")).toHaveLength(1);
    expect(doc.querySelector("line")?.getAttribute("stroke")).toBe("#8c959f");
    expect(escapeXml("'")).toBe("&apos;");
  });

  it("encodes UTF-8 text and large byte arrays as base64", () => {
    expect(atob(textToBase64("é"))).toBe("\u00c3\u00a9");
    const bytes = new Uint8Array(100_000).map((_, i) => i % 256);
    const back = Uint8Array.from(atob(bytesToBase64(bytes)), (c) => c.charCodeAt(0));
    expect(back).toEqual(bytes);
  });
});
