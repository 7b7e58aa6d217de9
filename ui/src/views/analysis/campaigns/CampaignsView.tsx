// The Campaigns view: the list of campaigns, or one campaign's page when a key is chosen (from
// the list, or from another view through `params.key`). Actions on a campaign may change its
// key (a merge keeps the surviving one), so the page reports the key to open next.

import { useState } from "react";

import type { ViewProps } from "../../../navigation";
import { CampaignList } from "./CampaignList";
import { CampaignPage } from "./CampaignPage";
import "../analysis.css";

/** The Campaigns view. */
export function CampaignsView({ params }: Partial<ViewProps>) {
  const [open, setOpen] = useState<string | null>(params?.key ?? null);
  return open === null ? (
    <CampaignList onOpen={setOpen} />
  ) : (
    <CampaignPage key={open} campaignKey={open} onOpen={setOpen} onBack={() => setOpen(null)} />
  );
}
