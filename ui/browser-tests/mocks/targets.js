// Mock handlers for the Targets view and the target detail: list_targets filters, sorts and pages
// the generated rows (fast paths for the 100,000-row table), detail/text/pivots per target,
// tag/rescan/export, and the save dialog of tauri-plugin-dialog.
(function () {
  const M = window.TrawlMock;
  const F = M.fixtures;
  let cache = { key: "", ids: [] };

  function matches(row, q) {
    if (q.status && row.status !== q.status) return false;
    if (q.domain && !(row.domain || "").includes(q.domain)) return false;
    if (q.risk_min != null && (row.risk_score == null || row.risk_score < q.risk_min)) return false;
    if (q.risk_max != null && (row.risk_score == null || row.risk_score > q.risk_max)) return false;
    if (q.ip && !(row.ip || "").startsWith(q.ip)) return false;
    if (q.tag && !row.tags.includes(q.tag)) return false;
    if (q.has_matches != null && row.match_count > 0 !== q.has_matches) return false;
    if (q.campaign && row.campaign !== q.campaign) return false;
    if (q.since && row.created_at < q.since) return false;
    if (q.until && row.created_at > q.until) return false;
    if (q.pivot_kind === "favicon" && (q.pivot_value !== F.favicon || row.id % 15 !== 1)) {
      return false;
    }
    return true;
  }

  function compare(sort) {
    return (a, b) => {
      const x = a[sort];
      const y = b[sort];
      if (x === y) return a.id - b.id;
      if (x == null) return 1;
      if (y == null) return -1;
      return x < y ? -1 : 1;
    };
  }

  /** Ids matching the query in order (cached per filter so paging is cheap). */
  function orderedIds(q) {
    const { offset: _o, limit: _l, ...filter } = q;
    const key = JSON.stringify(filter) + F.targetCount;
    if (cache.key === key) return cache.ids;
    const rows = [];
    for (let id = 1; id <= F.targetCount; id += 1) {
      const row = F.targetRow(id);
      if (matches(row, q)) rows.push(row);
    }
    rows.sort(compare(q.sort || "id"));
    if (q.descending) rows.reverse();
    cache = { key, ids: rows.map((row) => row.id) };
    return cache.ids;
  }

  function isPlain(q) {
    const filters = ["status", "domain", "risk_min", "risk_max", "ip", "tag", "has_matches"];
    const more = ["campaign", "since", "until", "pivot_kind", "pivot_value"];
    return (q.sort || "id") === "id" && [...filters, ...more].every((f) => q[f] == null);
  }

  M.register({
    list_targets: ({ query }) => {
      if (isPlain(query)) {
        const total = F.targetCount;
        const rows = [];
        for (let i = query.offset; i < Math.min(total, query.offset + query.limit); i += 1) {
          rows.push(F.targetRow(query.descending ? total - i : i + 1));
        }
        return { rows, total };
      }
      const ids = orderedIds(query);
      const page = ids.slice(query.offset, query.offset + query.limit);
      return { rows: page.map(F.targetRow), total: ids.length };
    },
    target_detail: ({ id }) => {
      if (id < 1 || id > F.targetCount) throw M.fail("target_not_found", `no target with id ${id}`);
      return F.targetDetail(id);
    },
    target_text: ({ id, kind }) => {
      const text =
        id === 1
          ? F.hostile.html
          : kind === "html"
            ? `<html><body><form action="/verify"><input name="card"></form></body></html>`
            : `<html><head></head><body><form action="/verify"><input name="card"></form></body></html>`;
      return { text, truncated: false, bytes: text.length };
    },
    target_pivots: ({ id }) => [
      { kind: "favicon", label: "favicon", value: F.favicon, count: 14 },
      { kind: "ip", label: "IP address", value: F.targetRow(id).ip, count: 0 },
      { kind: "dom_hash", label: "DOM", value: "9b1f0c2d", count: 3 },
    ],
    tag_targets: ({ ids }) => ids.length,
    rescan_targets: ({ ids }) => ({ scan_id: 8, total: ids.length }),
    export_targets: ({ ids, path }) => ({ path, count: ids ? ids.length : F.targetCount }),
    "plugin:dialog|save": () => F.savePath,
  });
})();
