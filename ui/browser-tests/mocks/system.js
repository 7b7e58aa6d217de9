// Mock handlers for the Jobs, Logs and Settings views.
(function () {
  const M = window.TrawlMock;
  const F = M.fixtures;
  const RANK = { error: 0, warn: 1, info: 2, debug: 3 };

  M.register({
    list_jobs: ({ state, kind, offset, limit }) => {
      const rows = F.jobs.filter(
        (j) => (!state || j.state === state) && (!kind || j.kind === kind),
      );
      return { rows: rows.slice(offset, offset + limit), total: rows.length };
    },
    cancel_job: ({ id }) => {
      const job = F.jobs.find((j) => j.id === id);
      if (!job || (job.state !== "QUEUED" && job.state !== "RUNNING")) return false;
      job.state = "SKIPPED";
      return true;
    },
    retry_job: ({ id }) => {
      const job = F.jobs.find((j) => j.id === id);
      if (!job || job.state !== "FAILED") return false;
      job.state = "QUEUED";
      return true;
    },
    list_logs: ({ level, text, targetId, beforeId, limit }) => {
      const rows = F.logs
        .filter((r) => !level || RANK[r.level.toLowerCase()] <= RANK[level])
        .filter((r) => !text || r.message.toLowerCase().includes(text.toLowerCase()))
        .filter((r) => targetId == null || r.target_id === targetId)
        .filter((r) => beforeId == null || r.id < beforeId)
        .sort((a, b) => b.id - a.id);
      return { rows: rows.slice(0, limit), has_more: rows.length > limit };
    },
    list_settings: () => F.settings,
    set_setting: ({ name, value }) => {
      const setting = F.settings.find((s) => s.name === name);
      if (!setting) throw M.fail("invalid_setting", `unknown setting ${name}`);
      if (setting.kind === "int" && !/^\d+$/.test(value)) {
        throw M.fail("invalid_setting", `${name} must be a whole number`);
      }
      setting.value = setting.kind === "secret" ? `****${value.slice(-4)}` : value;
      setting.is_default = false;
      return setting;
    },
    unset_setting: ({ name }) => {
      const setting = F.settings.find((s) => s.name === name);
      setting.value = setting.kind === "secret" ? null : setting.default;
      setting.is_default = true;
      return setting;
    },
    key_status: () => F.keyStatus,
    database_config: () => F.database,
    set_database_config: ({ mode, url }) => {
      F.database = {
        ...F.database,
        mode,
        url_redacted: url ? url.replace(/:[^:@/]*@/, ":••••@") : null,
      };
      return F.database;
    },
  });
})();
