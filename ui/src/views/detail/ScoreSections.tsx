// The verdict parts of the target detail: rule matches (signature, YARA, alerts) and the risk
// score with the factors that make it up.

import type { TargetDetail } from "../../ipc";
import { records, text } from "./fields";

/** Rule matches of every kind. */
export function MatchesSection({ detail }: { detail: TargetDetail }) {
  const matches = records(detail.matches);
  return (
    <>
      <h3>Rule matches ({matches.length})</h3>
      {matches.length === 0 ? (
        <p className="muted">No rule matched this page.</p>
      ) : (
        <ul className="matches" aria-label="Rule matches">
          {matches.map((m, i) => (
            <li key={i}>
              <span className={`badge badge-${text(m.kind)}`}>{text(m.kind)}</span>{" "}
              <strong>{text(m.name) || text(m.rule)}</strong>
              {m.confidence !== undefined && (
                <span className="muted"> confidence {text(m.confidence)}</span>
              )}
              {m.verified === true && <span className="muted"> · verified</span>}
              {text(m.message) && <span> — {text(m.message)}</span>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** The risk score and its factors (weight and evidence). */
export function RiskSection({ detail }: { detail: TargetDetail }) {
  const factors = records(detail.risk_factors);
  const score = text(detail.risk_score);
  return (
    <>
      <h3>Risk {score ? `${score} / 100` : "not scored"}</h3>
      {factors.length > 0 && (
        <table className="preview-table" aria-label="Risk factors">
          <thead>
            <tr>
              <th scope="col">Factor</th>
              <th scope="col">Weight</th>
              <th scope="col">Evidence</th>
            </tr>
          </thead>
          <tbody>
            {factors.map((f, i) => (
              <tr key={i}>
                <td>{text(f.name)}</td>
                <td className="num">{text(f.weight)}</td>
                <td>{text(f.evidence)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
