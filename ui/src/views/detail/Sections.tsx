// Sections of the target detail drawn from the detail object: redirect chain with hop kinds,
// TLS certificate, assets with hashes, indicators. All captured values are text nodes.

import type { TargetDetail } from "../../ipc";
import { Time } from "../shared/Time";
import { CopyButton } from "./CopyButton";
import { parseChain, records, text } from "./fields";

/** The redirect chain, from `chain` (array) or `redirect_chain` (stored JSON text). */
export function ChainSection({ detail }: { detail: TargetDetail }) {
  const chain = parseChain(detail.chain ?? detail.redirect_chain);
  return (
    <>
      <h3>Redirect chain</h3>
      {chain.length === 0 ? (
        <p className="muted">No chain recorded.</p>
      ) : (
        <ol className="chain" aria-label="Redirect chain">
          {chain.map((hop, i) => (
            <li key={i}>
              <span className={`hop-kind hop-${text(hop.kind)}`}>{text(hop.kind)}</span>{" "}
              <span className="num">{text(hop.status)}</span>{" "}
              <span className="mono">{text(hop.url)}</span>
              {hop.ip && <span className="muted"> {text(hop.ip)}</span>}
              {hop.error && <span className="inline-error"> {text(hop.error)}</span>}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

/** The certificate, or why there is none. */
export function TlsSection({ detail }: { detail: TargetDetail }) {
  return (
    <>
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
            <Time value={detail.tls_not_before} /> – <Time value={detail.tls_not_after} />{" "}
            {detail.tls_valid === false && `(invalid: ${text(detail.tls_problems)})`}
          </dd>
          <dt>SHA-256</dt>
          <dd className="mono">{text(detail.tls_sha256)}</dd>
        </dl>
      ) : (
        <p className="muted">No certificate (plain HTTP or no TLS handshake).</p>
      )}
    </>
  );
}

/** The assets the page loaded, with hashes. */
export function AssetsSection({ detail }: { detail: TargetDetail }) {
  const assets = records(detail.assets);
  return (
    <>
      <h3>Assets ({assets.length})</h3>
      {assets.length > 0 && (
        <table className="preview-table">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">URL</th>
              <th scope="col">SHA-256</th>
              <th scope="col">MD5</th>
            </tr>
          </thead>
          <tbody>
            {assets.map((a, i) => (
              <tr key={i}>
                <td>{text(a.type)}</td>
                <td className="mono">{text(a.url)}</td>
                <td className="mono">
                  {text(a.sha256)} <CopyButton value={text(a.sha256)} />
                </td>
                <td className="mono">{text(a.md5)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** E-mail addresses, phone numbers and wallets found on the page. */
export function IndicatorsSection({ detail }: { detail: TargetDetail }) {
  const indicators = records(detail.indicators);
  return (
    <>
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
    </>
  );
}
