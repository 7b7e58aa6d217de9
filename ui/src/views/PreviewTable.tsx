// The preview of one set of URL lists: counts, then rejected lines with reasons, duplicates and
// the first accepted URLs. Everything is React text: list lines are untrusted.

import type { UrlPreview } from "../ipc";

/** Counts and the first entries of each kind. */
export function PreviewTable({ title, preview }: { title: string; preview: UrlPreview }) {
  return (
    <section className="preview" aria-label={title}>
      <h3>{title}</h3>
      <p className="preview-counts">
        <strong>{preview.accepted_count}</strong> accepted ·{" "}
        <strong>{preview.rejected_count}</strong> rejected ·{" "}
        <strong>{preview.duplicate_count}</strong> duplicates
      </p>

      {preview.rejected.length > 0 && (
        <table className="preview-table">
          <caption>Rejected lines</caption>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Line</th>
              <th scope="col">Text</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {preview.rejected.map((r) => (
              <tr key={`${r.source}:${r.line}`}>
                <td>{r.source}</td>
                <td className="num">{r.line}</td>
                <td className="mono">{r.text}</td>
                <td>{r.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {preview.duplicates.length > 0 && (
        <table className="preview-table">
          <caption>Duplicates</caption>
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">First seen</th>
              <th scope="col">URL</th>
            </tr>
          </thead>
          <tbody>
            {preview.duplicates.map((d) => (
              <tr key={`${d.source}:${d.line}`}>
                <td className="num">{d.line}</td>
                <td>
                  {d.first_source}:{d.first_line}
                </td>
                <td className="mono">{d.url}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {preview.accepted.length > 0 && (
        <table className="preview-table">
          <caption>
            Accepted
            {preview.accepted_count > preview.accepted.length &&
              ` (first ${preview.accepted.length})`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">URL</th>
            </tr>
          </thead>
          <tbody>
            {preview.accepted.map((u) => (
              <tr key={`${u.source}:${u.line}`}>
                <td className="num">{u.line}</td>
                <td className="mono">{u.display}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
