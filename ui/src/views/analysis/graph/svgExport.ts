// The graph as a standalone SVG document, drawn from what the renderer shows (positions in
// viewport pixels, sizes, colours, the labels on screen). Labels are captured values, so every
// piece of text is escaped as XML; nothing from the graph becomes markup.

/** A node as drawn: centre and radius in pixels. */
export interface SvgNode {
  x: number;
  y: number;
  r: number;
  color: string;
  label: string | null;
}

/** An edge as drawn, between two points in pixels. */
export interface SvgEdge {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  color: string;
}

/** `text` with the five XML special characters escaped and control characters dropped. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** A colour attribute value: `#rgb`/`#rrggbb(aa)` or a plain CSS name, else a neutral grey. */
function colour(value: string): string {
  return /^#[0-9a-f]{3,8}$/i.test(value) || /^[a-z]{3,20}$/i.test(value) ? value : "#8c959f";
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The SVG document for a drawing of `width` × `height` pixels. */
export function graphToSvg(
  width: number,
  height: number,
  nodes: SvgNode[],
  edges: SvgEdge[],
  background: string,
): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${round(width)}" height="${round(height)}" viewBox="0 0 ${round(width)} ${round(height)}">`,
    `<rect width="100%" height="100%" fill="${colour(background)}"/>`,
    '<g stroke-width="1" stroke-opacity="0.7">',
  ];
  for (const e of edges) {
    out.push(
      `<line x1="${round(e.x1)}" y1="${round(e.y1)}" x2="${round(e.x2)}" y2="${round(e.y2)}" stroke="${colour(e.color)}"/>`,
    );
  }
  out.push("</g>", "<g>");
  for (const n of nodes) {
    out.push(
      `<circle cx="${round(n.x)}" cy="${round(n.y)}" r="${round(n.r)}" fill="${colour(n.color)}"/>`,
    );
  }
  out.push("</g>", '<g font-family="sans-serif" font-size="12" fill="#1b1f24">');
  for (const n of nodes) {
    if (!n.label) continue;
    out.push(
      `<text x="${round(n.x + n.r + 3)}" y="${round(n.y + 4)}">${escapeXml(n.label)}</text>`,
    );
  }
  out.push("</g>", "</svg>");
  return out.join("\n");
}

/** UTF-8 bytes of `text` as base64 (what `save_export` takes). */
export function textToBase64(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text));
}

/** Bytes as base64, in chunks so large exports do not overflow the argument list. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}
