// Whether this webview can draw with WebGL. The graph view falls back to a table when it cannot
// (no GPU, a blocked context, or the renderer failing to start). The probe releases its context
// at once: browsers keep only a few alive per page and drop the oldest (the drawing's) first.

/** True when a WebGL (2 or 1) context can be created. */
export function webglAvailable(): boolean {
  try {
    const canvas = document.createElement("canvas");
    const gl = canvas.getContext("webgl2") ?? canvas.getContext("webgl");
    if (!gl) return false;
    gl.getExtension("WEBGL_lose_context")?.loseContext();
    return true;
  } catch {
    return false;
  }
}
