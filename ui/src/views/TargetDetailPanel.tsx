// The detail panel of one target: redirect chain with hop kinds, headers, HTML excerpt, TLS
// certificate, assets with hashes and indicators. Every captured value is untrusted and is
// rendered as React text only (never as markup); Esc or the close button closes the panel.

import { useEffect, useState } from "react";

import { getTargetDetail, toIpcError, type IpcError, type TargetDetail } from "../ipc";

/** One hop of `redirect_chain` (a JSON array stored as text). */
interface Hop {
  url: string;
  status: number | null;
  kind: string;
  ip: string | null;
  error: string | null;
}

/** A field as display text: strings as is, numbers and booleans printed, anything else empty. */
function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return "";
}

/** The hops of the stored chain; an unreadable chain gives none. */
export function parseChain(value: unknown): Hop[] {
  if (typeof value !== "string" || value === "") return [];
  try {
    const parsed: unknown = JSON.parse(value);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((h): h is Hop => typeof h === "object" && h !== null && "url" in h);
  } catch {
    return [];
  }
}

/** An array field of the detail as records. */
function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v) => typeof v === "object" && v !== null) : [];
}

/** The panel for target `id`. */
export function TargetDetailPanel({ id, onClose }: { id: number; onClose: () => void }) {
  const [detail, setDetail] = useState<TargetDetail | null>(null);
  const [error, setError] = useState<IpcError | null>(null);

  useEffect(() => {
    let active = true;
    setDetail(null);
    getTargetDetail(id)
      .then((d) => active && setDetail(d))
      .catch((err: unknown) => active && setError(toIpcError(err)));
    return () => {
      active = false;
    };
  }, [id]);

  return (
    <aside className="detail-panel" aria-label="Target detail">
      <div className="detail-head">
        <h2>Target {id}</h2>
        <button type="button" onClick={onClose} aria-label="Close detail">
          Close (Esc)
        </button>
      </div>
      {error && (
        <p role="alert" className="inline-error">
          <code>{error.code}</code> {error.message}
        </p>
      )}
      {detail === null && !error && <p>Loading…</p>}
      {detail && <DetailBody detail={detail} />}
    </aside>
  );
}

function DetailBody({ detail }: { detail: TargetDetail }) {
  const chain = parseChain(detail.redirect_chain);
  const assets = records(detail.assets);
  const indicators = records(detail.indicators);

  return (
    <div className="detail-body">
      <dl className="facts">
        <dt>Title</dt>
        <dd data-testid="detail-title">{text(detail.title)}</dd>
        <dt>URL</dt>
        <dd className="mono">{text(detail.url)}</dd>
        <dt>Final URL</dt>
        <dd className="mono">{text(detail.final_url)}</dd>
        <dt>Status</dt>
        <dd>
          {text(detail.status)} {text(detail.reason) && `(${text(detail.reason)})`}
        </dd>
        <dt>HTTP</dt>
        <dd>{text(detail.http_status)}</dd>
        <dt>IP</dt>
        <dd>{text(detail.ip)}</dd>
        <dt>Risk</dt>
        <dd>{text(detail.risk_score)}</dd>
      </dl>

      <h3>Redirect chain</h3>
      {chain.length === 0 ? (
        <p className="muted">No chain recorded.</p>
      ) : (
        <ol className="chain" aria-label="Redirect chain">
          {chain.map((hop, i) => (
            <li key={i}>
              <span className={`hop-kind hop-${hop.kind}`}>{text(hop.kind)}</span>{" "}
              <span className="num">{text(hop.status)}</span>{" "}
              <span className="mono">{text(hop.url)}</span>
              {hop.ip && <span className="muted"> {text(hop.ip)}</span>}
              {hop.error && <span className="inline-error"> {text(hop.error)}</span>}
            </li>
          ))}
        </ol>
      )}

      <h3>Headers</h3>
      <pre className="text-block" data-testid="detail-headers">
        {text(detail.headers_text) || "none recorded"}
      </pre>

      <h3>HTML excerpt (text)</h3>
      <pre className="text-block">{text(detail.html_excerpt) || "none recorded"}</pre>

      <h3>TLS certificate</h3>
      {detail.tls_sha256 ? (
        <dl className="facts">
          <dt>Subject</dt>
          <dd>{text(detail.tls_subject)}</dd>
          <dt>Issuer</dt>
          <dd>{text(detail.tls_issuer)}</dd>
          <dt>SANs</dt>
          <dd>{text(detail.tls_sans)}</dd>
          <dt>Valid</dt>
          <dd>
            {text(detail.tls_not_before)} – {text(detail.tls_not_after)}{" "}
            {detail.tls_valid === false && `(invalid: ${text(detail.tls_problems)})`}
          </dd>
          <dt>SHA-256</dt>
          <dd className="mono">{text(detail.tls_sha256)}</dd>
        </dl>
      ) : (
        <p className="muted">No certificate (plain HTTP or no TLS handshake).</p>
      )}

      <h3>Assets ({assets.length})</h3>
      {assets.length > 0 && (
        <table className="preview-table">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">URL</th>
              <th scope="col">SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {assets.map((a, i) => (
              <tr key={i}>
                <td>{text(a.type)}</td>
                <td className="mono">{text(a.url)}</td>
                <td className="mono">{text(a.sha256)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Indicators ({indicators.length})</h3>
      {indicators.length > 0 && (
        <ul className="indicators">
          {indicators.map((ind, i) => (
            <li key={i}>
              <span className="muted">{text(ind.kind)}</span>{" "}
              <span className="mono">{text(ind.value)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
