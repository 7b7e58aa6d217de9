// Fixture data shared by the mock handlers: a deterministic generator of target rows (any count,
// so the 100,000-row test needs no stored data), one hostile target (id 1) whose title, URL and
// headers carry script and markup payloads, and jobs, logs and settings. Tests change
// `TrawlMock.fixtures.targetCount` (or anything else) in an init script before the app loads.
(function () {
  const F = window.TrawlMock.fixtures;
  const BASE_TIME = Date.UTC(2026, 10, 1, 8, 0, 0);

  F.targetCount = 240;
  F.statuses = ["DONE", "DONE", "DONE", "FAILED", "DONE", "QUEUED", "DONE", "SKIPPED", "RUNNING"];
  F.hostile = {
    title:
      '<img src=x onerror="window.__pwned=1;window.__trawlPwned=1"><script>window.__pwned=2</script>Sign in',
    url: 'http://login.hostile.test/"><script>window.__pwned=3</script>?next=<svg/onload=window.__pwned=4>',
    headers:
      'HTTP/1.1 200 OK\nContent-Type: text/html\nX-Evil: <img src=x onerror="window.__pwned=5">\nSet-Cookie: a=<script>window.__pwned=6</script>',
    html: '<html><head><title><img src=x onerror="window.__pwned=7"></title></head><body><script>window.__pwned=8</script><iframe src="javascript:window.__pwned=9"></iframe></body></html>',
  };
  F.favicon = "f5c3a1d9e2b47788a0c1d2e3f4a5b6c7";

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  F.timestamp = function (minutes) {
    return new Date(BASE_TIME + minutes * 60000).toISOString().replace(/\.\d+Z$/, "Z");
  };

  /** The row with this id (ids run from 1 to targetCount). */
  F.targetRow = function (id) {
    const status = F.statuses[id % F.statuses.length];
    const done = status === "DONE";
    const hostile = id === 1;
    const domain = hostile ? "login.hostile.test" : `shop${id % 997}.example`;
    return {
      id,
      url: hostile ? F.hostile.url : `https://${domain}/account/verify?id=${id}`,
      status,
      risk_score: done ? (id * 37) % 101 : null,
      domain,
      ip: `10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}`,
      title: hostile ? F.hostile.title : done ? `Verify your account ${pad(id % 100)}` : null,
      reason: status === "FAILED" ? "connection refused" : null,
      tags: id % 5 === 0 ? ["phish"] : id % 7 === 0 ? ["bank", "reviewed"] : [],
      campaign: id % 4 === 0 ? `c-${(id % 13).toString(16)}` : null,
      match_count: id % 3 === 0 ? (id % 4) + 1 : 0,
      created_at: F.timestamp(id),
      screenshot_ahash: done ? `ffe0c0${(id % 256).toString(16).padStart(2, "0")}8181c3e7` : null,
    };
  };

  F.jobs = [
    ["capture.target", "RUNNING", 1, null, "capture 3 of 5 (shop3.example)"],
    ["capture.target", "QUEUED", 0, null, null],
    ["capture.target", "FAILED", 3, "navigation timed out after 30 s", null],
    ["rules.retrohunt", "RUNNING", 1, null, "hunted 4,200 of 10,000 targets"],
    ["campaign.recluster", "DONE", 1, null, null],
    ["capture.target", "SKIPPED", 1, null, null],
  ].map(([kind, state, attempts, last_error, progress], i) => ({
    id: 100 + i,
    kind,
    state,
    attempts,
    max_attempts: 3,
    last_error,
    progress,
    created_at: F.timestamp(1000 + i),
    updated_at: F.timestamp(1010 + i),
  }));

  const LEVELS = ["info", "debug", "warn", "info", "error", "info"];
  F.logs = [];
  for (let i = 1; i <= 180; i += 1) {
    const level = LEVELS[i % LEVELS.length];
    const targetId = level === "warn" || level === "error" ? (i % 40) + 2 : null;
    F.logs.push({
      id: i,
      at: F.timestamp(2000 + i),
      level,
      target: level === "debug" ? "trawl_capture::browser" : "trawl_core::worker",
      message:
        level === "warn"
          ? `capture failed for target ${targetId}: connection refused`
          : level === "error"
            ? `screenshot store unwritable for target ${targetId}`
            : `job ${i} leased`,
      target_id: targetId,
    });
  }

  F.settings = [
    ["capture.concurrency", "int", "Pages captured at once", "4", true, "4"],
    ["capture.timeout_secs", "int", "Seconds before a capture gives up", "30", true, "30"],
    ["capture.screenshot", "bool", "Take a screenshot of every page", "true", true, "true"],
    ["capture.user_agent", "string", "User-Agent sent by the browser", null, true, null],
    ["capture.mode", "string", "Default scan mode", "fast", true, "fast"],
    ["api.urlscan_key", "secret", "urlscan.io API key", "****1234", false, null],
    ["api.virustotal_key", "secret", "VirusTotal API key", null, true, null],
  ].map(([name, kind, description, value, is_default, def]) => ({
    name,
    kind,
    description,
    value,
    is_default,
    default: def,
    choices: name === "capture.mode" ? ["fast", "full"] : [],
  }));
  F.keyStatus = { source: "keyring", keyring_available: true, detail: "Secret Service (login)" };
  F.database = {
    mode: "embedded",
    url_redacted: null,
    data_dir: "/home/analyst/.local/share/trawl",
  };
  F.savePath = "/home/analyst/exports/targets.jsonl";
})();
