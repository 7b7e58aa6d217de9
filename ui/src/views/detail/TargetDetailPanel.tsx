// The detail panel of one target: screenshot, facts, redirect chain, headers, captured HTML and
// rendered DOM as text, TLS certificate, assets, indicators, rule matches, risk factors and
// pivots. Every captured value is untrusted and rendered as React text only (never markup), and
// captured URLs are shown with a copy button, never as links. Esc or Close closes the panel.

import { useEffect, useState } from "react";

import {
  getTargetDetail,
  screenshotUrl,
  toIpcError,
  type IpcError,
  type TargetDetail,
} from "../../ipc";
import { useNavigate } from "../../navigate";
import { CapturedText } from "./CapturedText";
import { CopyButton } from "./CopyButton";
import { Time } from "../shared/Time";
import { text } from "./fields";
import { Pivots } from "./Pivots";
import { AssetsSection, ChainSection, IndicatorsSection, TlsSection } from "./Sections";
import { MatchesSection, RiskSection } from "./ScoreSections";

interface Props {
  id: number;
  onClose: () => void;
  /** Opens the table filtered to the targets sharing a fingerprint. */
  onPivot: (kind: string, value: string) => void;
}

/** The panel for target `id`. */
export function TargetDetailPanel({ id, onClose, onPivot }: Props) {
  const [detail, setDetail] = useState<TargetDetail | null>(null);
  const [error, setError] = useState<IpcError | null>(null);

  useEffect(() => {
    let active = true;
    setDetail(null);
    setError(null);
    getTargetDetail(id)
      .then((d) => active && setDetail(d))
      .catch((err: unknown) => active && setError(toIpcError(err)));
    return () => {
      active = false;
    };
  }, [id]);

  return (
    <aside
      className="detail-panel"
      aria-label="Target detail"
      data-testid="target-detail"
      data-target-id={detail ? id : undefined}
    >
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
      {detail && (
        <div className="detail-body">
          <Screenshot path={detail.screenshot_path} />
          <Facts detail={detail} />
          <RiskSection detail={detail} />
          <MatchesSection detail={detail} />
          <Pivots id={id} onPivot={onPivot} />
          <ChainSection detail={detail} />
          <h3>Headers</h3>
          <pre className="text-block" data-testid="detail-headers">
            {text(detail.headers_text) || "none recorded"}
          </pre>
          <CapturedText id={id} excerpt={text(detail.html_excerpt)} />
          <TlsSection detail={detail} />
          <AssetsSection detail={detail} />
          <IndicatorsSection detail={detail} />
        </div>
      )}
    </aside>
  );
}

function Screenshot({ path }: { path: unknown }) {
  if (typeof path !== "string" || path === "") {
    return <p className="muted screenshot-missing">No screenshot was taken.</p>;
  }
  return <img className="screenshot" src={screenshotUrl(path)} alt="Screenshot of the page" />;
}

function Facts({ detail }: { detail: TargetDetail }) {
  const reason = text(detail.reason);
  return (
    <dl className="facts">
      <dt>Title</dt>
      <dd data-testid="detail-title">{text(detail.title)}</dd>
      <dt>URL</dt>
      <dd className="mono" data-testid="detail-url">
        {text(detail.url)} <CopyButton value={text(detail.url)} />
      </dd>
      <dt>Final URL</dt>
      <dd className="mono">
        {text(detail.final_url)}{" "}
        {text(detail.final_url) && <CopyButton value={text(detail.final_url)} />}
      </dd>
      <dt>Status</dt>
      <dd>
        {text(detail.status)} {reason && `(${reason})`}
      </dd>
      <dt>HTTP</dt>
      <dd>{text(detail.http_status)}</dd>
      <dt>Domain / IP</dt>
      <dd>
        {text(detail.domain)} {text(detail.ip)}
      </dd>
      <dt>Tags</dt>
      <dd>{Array.isArray(detail.tags) ? detail.tags.map(text).join(", ") : text(detail.tags)}</dd>
      <dt>Campaign</dt>
      <dd data-testid="detail-campaign">
        <CampaignLink campaign={text(detail.campaign)} />
      </dd>
      <dt>Captured</dt>
      <dd data-testid="detail-captured">
        <Time value={detail.created_at} />
      </dd>
    </dl>
  );
}

/** The target's campaign as a button opening the campaign page, or "none". */
function CampaignLink({ campaign }: { campaign: string }) {
  const navigate = useNavigate();
  if (campaign === "") return <span className="muted">none</span>;
  return (
    <button
      type="button"
      className="link-button mono"
      onClick={() => navigate("campaigns", { key: campaign })}
    >
      {campaign}
    </button>
  );
}
