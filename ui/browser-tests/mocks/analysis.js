// Mock handlers for issue 10's analysis views: campaigns (list, detail, split, merge, pin,
// generic), the infrastructure graph (a deterministic synthetic graph of any size, filtered by
// kind, campaign and time, capped, with neighbourhoods and node details), rules (a small YARA
// and regex checker that reports errors at line and column, test, save, delete, IOK import)
// and alerts (list, acknowledge). Commands arrive with camelCase argument names, as Tauri sends
// them. Tests change `TrawlMock.fixtures.graphTargets` etc. in a `before` script.
(function () {
  const M = window.TrawlMock;
  const F = M.fixtures;

  // --- campaigns -------------------------------------------------------------------------
  F.campaignKeys = [
    "c-1",
    "c-2",
    "c-3",
    "c-4",
    "c-5",
    "c-6",
    "c-7",
    "c-8",
    "c-9",
    "c-a",
    "c-b",
    "c-c",
  ];
  F.campaignMembers = {};
  F.campaignKeys.forEach((key, i) => {
    const size = 3 + ((i * 7) % 11);
    F.campaignMembers[key] = Array.from({ length: size }, (_, j) => 4 + i * 17 + j * 3);
  });
  F.pinned = new Set();
  F.genericValues = new Set();
  let nextCampaign = 1;

  function campaignSummary(key) {
    const ids = F.campaignMembers[key];
    const rows = ids.map((id) => F.targetRow(id));
    const risks = rows.map((r) => r.risk_score).filter((r) => r !== null);
    const times = rows.map((r) => r.created_at).sort();
    const index = F.campaignKeys.indexOf(key);
    const values = [
      { kind: "favicon_hash", value: String(-1_000_000 - index * 7919), count: ids.length },
      { kind: "jarm", value: `2ad2ad0002ad2ad0042d42d000000${index}`, count: ids.length - 1 },
      {
        kind: "registered_domain",
        value: `kit${index}.example`,
        count: Math.max(2, ids.length - 2),
      },
    ].filter((v) => !F.genericValues.has(`${v.kind}:${v.value}`));
    return {
      key,
      size: ids.length,
      risk_max: risks.length ? Math.max(...risks) : null,
      first_seen: times[0],
      last_seen: times[times.length - 1],
      top_values: values,
    };
  }

  /** Two shared values per member; the first member shares many more, in long lines. */
  function memberEvidence(key, id, summary) {
    const lines = summary.top_values.map(
      (v) => `shares ${v.kind.replace(/_/g, " ")} ${v.value} with ${v.count - 1} members`,
    );
    if (id !== F.campaignMembers[key][0]) return lines.slice(0, 2);
    const assets = [1, 2, 3, 4].map(
      (n) => `shares asset sha256 ${String(n).repeat(12)}${"ab".repeat(26)} with 1 member`,
    );
    return [...lines, "shares near-duplicate HTML (TLSH) distance 0 with 1 member", ...assets];
  }

  function needCampaign(key) {
    if (!F.campaignMembers[key]) throw M.fail("campaign_not_found", `no campaign ${key}`);
  }

  const SORT_FIELDS = {
    size: "size",
    risk: "risk_max",
    first_seen: "first_seen",
    last_seen: "last_seen",
  };

  // --- graph ------------------------------------------------------------------------------
  F.graphTargets = 400;
  const VALUE_KINDS = [
    "domain",
    "ip",
    "favicon_hash",
    "jarm",
    "certificate",
    "asset_sha256",
    "email",
  ];
  let graphCache = null;

  /** A deterministic graph: targets linked to shared values; a few huge generic hubs. */
  F.graph = function () {
    if (graphCache && graphCache.targets === F.graphTargets) return graphCache;
    const nodes = [];
    const edges = [];
    const byValue = new Map();
    const campaignOf = new Map();
    for (const [key, ids] of Object.entries(F.campaignMembers))
      ids.forEach((id) => campaignOf.set(id, key));
    for (let id = 1; id <= F.graphTargets; id += 1) {
      const row = F.targetRow(id);
      const campaign = campaignOf.get(id) ?? null;
      nodes.push({
        id,
        kind: "target",
        label: row.url,
        campaign,
        degree: 0,
        generic: false,
        created_at: row.created_at,
      });
      VALUE_KINDS.forEach((kind, k) => {
        // Members of a campaign share its values; other targets spread over many values.
        const bucket = campaign
          ? `${campaign}`
          : String((id * (k + 3)) % Math.max(7, F.graphTargets / (k + 2)));
        const value =
          kind === "asset_sha256" && id % 3 === 0 ? "jquery-3.7.1.min.js" : `${kind}-${bucket}`;
        const vkey = `${kind}:${value}`;
        if (!byValue.has(vkey)) {
          const vid = 1_000_000 + byValue.size;
          byValue.set(vkey, vid);
          nodes.push({
            id: vid,
            kind,
            label: kind === "domain" ? `${value}.example` : value,
            campaign,
            degree: 0,
            generic: value.startsWith("jquery") || F.genericValues.has(vkey),
            created_at: row.created_at,
          });
        }
        edges.push({ id: edges.length + 1, source: id, target: byValue.get(vkey), kind });
      });
    }
    const index = new Map(nodes.map((n) => [n.id, n]));
    for (const e of edges) {
      index.get(e.source).degree += 1;
      index.get(e.target).degree += 1;
    }
    graphCache = { targets: F.graphTargets, nodes, edges, index };
    return graphCache;
  };

  function publicNode(n) {
    const { created_at: _c, ...rest } = n;
    return rest;
  }

  /** The part of the graph with these node ids, capped; edges only between kept nodes. */
  function sliceOf(ids, cap) {
    const g = F.graph();
    const kept = ids.slice(0, cap);
    const keep = new Set(kept);
    return {
      nodes: kept.map((id) => publicNode(g.index.get(id))),
      edges: g.edges.filter((e) => keep.has(e.source) && keep.has(e.target)),
      truncated: ids.length > cap,
      total_nodes: ids.length,
    };
  }

  // --- rules -------------------------------------------------------------------------------
  F.rules = {
    signature: [
      {
        id: 1,
        kind: "signature",
        name: "bank-login-form",
        source: "html: (?i)verify your account",
        enabled: true,
        created_at: F.timestamp(50),
        match_count: 41,
      },
      {
        id: 2,
        kind: "signature",
        name: "kit-telegram-exfil",
        source: "js: api\\.telegram\\.org/bot",
        enabled: true,
        created_at: F.timestamp(60),
        match_count: 7,
      },
    ],
    yara: [
      {
        id: 3,
        kind: "yara",
        name: "Phish_Kit_Generic",
        source:
          'rule Phish_Kit_Generic\n{\n  strings:\n    $a = "verify your account" nocase\n    $b = "card number"\n  condition:\n    all of them\n}\n',
        enabled: true,
        created_at: F.timestamp(70),
        match_count: 23,
      },
    ],
    alert: [
      {
        id: 4,
        kind: "alert",
        name: "brand-keyword",
        source: "url: (?i)paypa1|app1e",
        enabled: true,
        created_at: F.timestamp(80),
        match_count: 5,
      },
    ],
  };
  let nextRule = 10;

  /** Errors of a YARA source: unterminated strings, undeclared identifiers, unbalanced braces. */
  function yaraErrors(source) {
    const errors = [];
    const declared = new Set();
    const lines = source.split("\n");
    lines.forEach((line, i) => {
      const decl = line.match(/^\s*(\$\w+)\s*=/);
      if (decl) declared.add(decl[1]);
      const quotes = (line.replace(/\\"/g, "").match(/"/g) || []).length;
      if (quotes % 2 === 1) {
        errors.push({
          line: i + 1,
          column: line.indexOf('"') + 1,
          message: "unterminated string",
          rule: null,
        });
      }
    });
    let inCondition = false;
    lines.forEach((line, i) => {
      if (/^\s*condition\s*:/.test(line)) inCondition = true;
      if (!inCondition) return;
      for (const m of line.matchAll(/\$\w+/g)) {
        if (!declared.has(m[0])) {
          errors.push({
            line: i + 1,
            column: m.index + 1,
            message: `unknown identifier \`${m[0]}\``,
            rule: null,
          });
        }
      }
    });
    const open = (source.match(/{/g) || []).length;
    const close = (source.match(/}/g) || []).length;
    if (open !== close) {
      errors.push({ line: lines.length, column: 1, message: "unbalanced braces", rule: null });
    }
    return errors.sort((a, b) => a.line - b.line);
  }

  /** Errors of a signature or alert rule: `field: regex` per line. */
  function regexErrors(source) {
    const errors = [];
    source.split("\n").forEach((line, i) => {
      if (line.trim() === "") return;
      const m = line.match(/^(\w+):\s?(.*)$/);
      if (!m) {
        errors.push({ line: i + 1, column: 1, message: "expected `field: pattern`", rule: null });
        return;
      }
      try {
        new RegExp(m[2].replace(/^\(\?i\)/, ""));
      } catch (err) {
        errors.push({
          line: i + 1,
          column: m[1].length + 3,
          message: String(err.message),
          rule: null,
        });
      }
    });
    return errors;
  }

  function ruleErrors(kind, source) {
    return kind === "yara" ? yaraErrors(source) : regexErrors(source);
  }

  // --- alerts -----------------------------------------------------------------------------
  F.alerts = Array.from({ length: 36 }, (_, i) => {
    const targetId = i === 0 ? 1 : 5 + i * 6;
    const row = F.targetRow(targetId);
    return {
      id: 500 + i,
      target_id: targetId,
      url: row.url,
      kind: i % 3 === 0 ? "yara" : "keyword",
      message: i === 0 ? F.hostile.title : `brand-keyword matched “paypa1” in ${row.domain}`,
      created_at: F.timestamp(3000 + i * 11),
      acknowledged_at: i % 4 === 3 ? F.timestamp(3400 + i) : null,
    };
  }).reverse();

  F.exports = [];
  F.openDir = "/home/analyst/iok-rules";

  M.register({
    list_campaigns: ({ offset, limit, sort, descending }) => {
      const field = SORT_FIELDS[sort] || "size";
      const rows = F.campaignKeys.map(campaignSummary).sort((a, b) => {
        const x = a[field];
        const y = b[field];
        return x === y ? a.key.localeCompare(b.key) : x < y ? -1 : 1;
      });
      if (descending) rows.reverse();
      return { rows: rows.slice(offset, offset + limit), total: rows.length };
    },
    campaign_detail: ({ key }) => {
      needCampaign(key);
      return {
        summary: campaignSummary(key),
        members: F.campaignMembers[key].map((id) => {
          const row = F.targetRow(id);
          const s = campaignSummary(key);
          return {
            target_id: id,
            url: row.url,
            domain: row.domain,
            screenshot_path: row.status === "DONE" ? `/data/blobs/shots/${id}.png` : null,
            pinned: F.pinned.has(`${key}:${id}`),
            evidence: memberEvidence(key, id, s),
          };
        }),
      };
    },
    campaign_split: ({ key, targetIds }) => {
      needCampaign(key);
      const created = `c-new${nextCampaign++}`;
      F.campaignMembers[key] = F.campaignMembers[key].filter((id) => !targetIds.includes(id));
      F.campaignMembers[created] = targetIds.slice();
      F.campaignKeys.push(created);
      graphCache = null;
      return created;
    },
    campaign_merge: ({ key, other }) => {
      needCampaign(key);
      needCampaign(other);
      F.campaignMembers[key] = [...F.campaignMembers[key], ...F.campaignMembers[other]];
      delete F.campaignMembers[other];
      F.campaignKeys = F.campaignKeys.filter((k) => k !== other);
      graphCache = null;
      return key;
    },
    campaign_pin: ({ key, targetId, pinned }) => {
      needCampaign(key);
      if (pinned) F.pinned.add(`${key}:${targetId}`);
      else F.pinned.delete(`${key}:${targetId}`);
      return true;
    },
    mark_generic: ({ kind, value, generic }) => {
      if (generic) F.genericValues.add(`${kind}:${value}`);
      else F.genericValues.delete(`${kind}:${value}`);
      graphCache = null;
      return null;
    },
    graph_query: ({ kinds, campaign, since, until, nodeCap }) => {
      const g = F.graph();
      const ids = g.nodes
        .filter((n) => !kinds || kinds.includes(n.kind))
        .filter((n) => !campaign || n.campaign === campaign)
        .filter((n) => (!since || n.created_at >= since) && (!until || n.created_at <= until))
        .map((n) => n.id);
      return sliceOf(ids, nodeCap);
    },
    graph_neighbourhood: ({ nodeId, depth, nodeCap }) => {
      const g = F.graph();
      let frontier = new Set([nodeId]);
      const seen = new Set(frontier);
      for (let d = 0; d < depth; d += 1) {
        const next = new Set();
        for (const e of g.edges) {
          if (frontier.has(e.source) && !seen.has(e.target)) next.add(e.target);
          if (frontier.has(e.target) && !seen.has(e.source)) next.add(e.source);
        }
        next.forEach((id) => seen.add(id));
        frontier = next;
      }
      return sliceOf([...seen], nodeCap);
    },
    graph_node_detail: ({ nodeId }) => {
      const g = F.graph();
      const node = g.index.get(nodeId);
      if (!node) throw M.fail("node_not_found", `no graph node ${nodeId}`);
      const targetIds =
        node.kind === "target"
          ? [node.id]
          : g.edges.filter((e) => e.target === nodeId).map((e) => e.source);
      return {
        id: node.id,
        kind: node.kind,
        // As the engine stores it: a target node's value is the target's id.
        value: node.kind === "target" ? String(node.id) : node.label,
        targets: targetIds.slice(0, 200).map((id) => F.targetRow(id)),
        pivot_kind: node.kind === "target" ? null : node.kind,
        pivot_value: node.kind === "target" ? null : node.label,
      };
    },
    export_graph_gexf: ({ path }) => {
      F.exports.push({ format: "gexf", path });
      return { path };
    },
    save_export: ({ path, dataBase64 }) => {
      F.exports.push({ format: path.split(".").pop(), path, dataBase64 });
      return { path };
    },
    list_rules: ({ kind }) => F.rules[kind] || [],
    check_rule: ({ kind, source }) => ({ errors: ruleErrors(kind, source) }),
    test_rule: ({ kind, source, targetId }) => {
      const row = F.targetRow(targetId);
      const hit = /verify|login|account/i.test(source) && row.status === "DONE";
      return {
        matches: hit
          ? [
              {
                rule: kind === "yara" ? "Phish_Kit_Generic" : "rule",
                location: "html@1024",
                excerpt: `… ${row.title} …`,
              },
            ]
          : [],
      };
    },
    save_rule: ({ kind, id, name, source }) => {
      const errors = ruleErrors(kind, source);
      if (errors.length > 0) {
        throw M.fail(
          "rule_invalid",
          `line ${errors[0].line}, column ${errors[0].column}: ${errors[0].message}`,
        );
      }
      const list = F.rules[kind];
      const old = list.find((r) => r.id === id);
      const rule = {
        id: id ?? nextRule++,
        kind,
        name,
        source,
        enabled: true,
        created_at: F.timestamp(5000),
        match_count: 0,
      };
      if (old) Object.assign(old, rule, { created_at: old.created_at });
      else list.push(rule);
      return old ?? rule;
    },
    delete_rule: ({ kind, id }) => {
      F.rules[kind] = F.rules[kind].filter((r) => r.id !== id);
      return null;
    },
    import_iok: ({ dir }) => {
      F.importedFrom = dir;
      return { imported: 14, unsupported: [{ rule: "kit-favicon-only", field: "favicon" }] };
    },
    "plugin:dialog|open": () => F.openDir,
    list_alerts: ({ acknowledged, offset, limit }) => {
      const rows = F.alerts.filter(
        (a) => acknowledged === null || (a.acknowledged_at !== null) === acknowledged,
      );
      return { rows: rows.slice(offset, offset + limit), total: rows.length };
    },
    ack_alerts: ({ ids }) => {
      let changed = 0;
      for (const a of F.alerts) {
        if (ids.includes(a.id) && a.acknowledged_at === null) {
          a.acknowledged_at = F.timestamp(9000);
          changed += 1;
        }
      }
      return changed;
    },
  });
})();
