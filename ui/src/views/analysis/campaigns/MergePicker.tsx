// "Merge another campaign into this one": a picker of the other campaigns (largest first) and a
// confirm button. The surviving key (this campaign's, unless the Rust side decides otherwise)
// is handed back so the page can open it.

import { useState } from "react";

import { listCampaigns, mergeCampaigns, toIpcError, type IpcError } from "../../../ipc";
import { plural } from "../shared/format";
import { useCommand } from "../shared/useCommand";

/** Campaigns offered in the picker. */
const OFFERED = 200;

/** The merge control for campaign `campaignKey`. */
export function MergePicker(props: {
  campaignKey: string;
  onMerged: (surviving: string, other: string) => void;
  onError: (error: IpcError) => void;
}) {
  const { campaignKey, onMerged, onError } = props;
  const [picking, setPicking] = useState(false);
  const [other, setOther] = useState("");
  const options = useCommand(
    () => (picking ? listCampaigns(0, OFFERED, "size", true) : Promise.resolve(null)),
    [picking],
  );
  const others = (options.value?.rows ?? []).filter((c) => c.key !== campaignKey);

  const merge = async () => {
    try {
      const surviving = await mergeCampaigns(campaignKey, other);
      setPicking(false);
      setOther("");
      onMerged(surviving, other);
    } catch (err) {
      onError(toIpcError(err));
    }
  };

  if (!picking) {
    return (
      <button type="button" onClick={() => setPicking(true)}>
        Merge another campaign…
      </button>
    );
  }
  return (
    <span className="merge-picker">
      <label>
        Merge{" "}
        <select value={other} onChange={(e) => setOther(e.target.value)}>
          <option value="">choose a campaign</option>
          {others.map((c) => (
            <option key={c.key} value={c.key}>
              {c.key} ({plural(c.size, "member")})
            </option>
          ))}
        </select>{" "}
        into this one
      </label>{" "}
      <button type="button" disabled={other === ""} onClick={merge}>
        Merge
      </button>{" "}
      <button type="button" onClick={() => setPicking(false)}>
        Cancel
      </button>
    </span>
  );
}
