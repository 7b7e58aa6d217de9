// Mock handlers for the database status and the Scan view (preview, start, cancel). The scan
// emits one progress event per handler call of `start_scan`; tests emit more with TrawlMock.emit.
(function () {
  const M = window.TrawlMock;
  const F = M.fixtures;

  F.dbStatus = {
    mode: "embedded",
    location: "/home/analyst/.local/share/trawl/postgres",
    server_version: "17.6",
    schema_version: 9,
    tables: [
      { name: "targets", rows: 240 },
      { name: "assets", rows: 5120 },
      { name: "indicators", rows: 311 },
      { name: "jobs", rows: 6 },
    ],
  };

  /** A preview of these lines, as the engine's parser would report them (simplified). */
  function preview(lines, source) {
    const result = {
      accepted_count: 0,
      rejected_count: 0,
      duplicate_count: 0,
      accepted: [],
      rejected: [],
      duplicates: [],
    };
    const seen = new Map();
    lines.forEach((raw, index) => {
      const text = raw.trim();
      const line = index + 1;
      if (text === "" || text.startsWith("#")) return;
      if (!/^https?:\/\/[^\s/]+/.test(text)) {
        result.rejected_count += 1;
        result.rejected.push({ source, line, text, reason: "not an http(s) URL" });
      } else if (seen.has(text)) {
        result.duplicate_count += 1;
        const first_line = seen.get(text);
        result.duplicates.push({ source, line, first_source: source, first_line, url: text });
      } else {
        seen.set(text, line);
        result.accepted_count += 1;
        result.accepted.push({ source, line, display: text, url: text });
      }
    });
    return result;
  }
  F.preview = preview;
  F.droppedFiles = {
    "/home/analyst/lists/urls.txt":
      "https://shop1.example/login\nhttps://shop2.example/\nnot a url\nhttps://shop1.example/login\n",
  };

  M.register({
    db_status: () => F.dbStatus,
    retry_db_startup: () => null,
    parse_url_text: ({ text }) => preview(text.split("\n"), "pasted text"),
    parse_url_lists: ({ paths }) => {
      const lines = [];
      for (const path of paths) {
        const body = F.droppedFiles[path];
        if (body === undefined) throw M.fail("file_unreadable", `cannot read ${path}`);
        lines.push(...body.split("\n"));
      }
      return preview(lines, paths[0]);
    },
    start_scan: ({ request }) => {
      const total = request.sources.paths.length > 0 ? 2 : request.sources.text ? 1 : 0;
      return { scan_id: 7, total };
    },
    cancel_scan: ({ scanId }) => ({ scan_id: scanId, skipped: 1 }),
  });
})();
