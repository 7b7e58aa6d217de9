// Export of the graph through a save dialog: PNG and SVG are drawn in the UI from what is on
// screen and written by `save_export`; GEXF (the whole stored graph) is written by the Rust
// side. The result line says where the file went.

import { useState } from "react";

import {
  chooseSavePath,
  exportGraphGexf,
  saveExport,
  toIpcError,
  type IpcError,
} from "../../../ipc";
import { InlineError } from "../shared/InlineError";
import type { GraphCanvasHandle } from "./SigmaGraph";
import { textToBase64 } from "./svgExport";

type Format = "png" | "svg" | "gexf";

const NAMES: Record<Format, string> = { png: "PNG image", svg: "SVG image", gexf: "GEXF graph" };

/** The background the exported pictures get: the theme's surface colour. */
function background(): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue("--surface").trim();
  return value || "#ffffff";
}

/** Export buttons; PNG and SVG need the drawing (`canvas`), GEXF does not. */
export function GraphExport({ canvas }: { canvas: GraphCanvasHandle | null }) {
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<IpcError | null>(null);

  const run = async (format: Format) => {
    try {
      const path = await chooseSavePath(`trawl-graph.${format}`, [
        { name: NAMES[format], extensions: [format] },
      ]);
      if (path === null) return;
      let written: { path: string };
      if (format === "gexf") written = await exportGraphGexf(path);
      else if (format === "png") written = await saveExport(path, canvas!.png(background()));
      else written = await saveExport(path, textToBase64(canvas!.svg(background())));
      setSaved(written.path);
      setError(null);
    } catch (err) {
      setSaved(null);
      setError(toIpcError(err));
    }
  };

  return (
    <div className="graph-export">
      <span className="muted">Export</span>
      <button type="button" disabled={!canvas} onClick={() => run("png")}>
        PNG
      </button>
      <button type="button" disabled={!canvas} onClick={() => run("svg")}>
        SVG
      </button>
      <button type="button" onClick={() => run("gexf")}>
        GEXF
      </button>
      {saved && (
        <span role="status" className="muted">
          Saved to {saved}
        </span>
      )}
      <InlineError error={error} />
    </div>
  );
}
