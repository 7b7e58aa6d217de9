// The registry of the app's views: the sidebar, the `g <key>` shortcuts and the command palette
// are all built from VIEWS, so adding a view is one entry here and nothing else. Views load
// lazily (each is its own chunk). Issue 10's analysis views (Campaigns, Graph, Rules, Alerts)
// live in ./views/analysis/ and are registered in the "analysis" group below.

import { lazy, type ComponentType, type LazyExoticComponent } from "react";

import type { ViewParams } from "./navigate";

export type { ViewParams } from "./navigate";

/** What every view receives: the parameters it was opened with (empty when opened plainly). */
export interface ViewProps {
  params: ViewParams;
}

/** Sidebar sections, in display order. */
export type ViewGroup = "capture" | "analysis" | "system";

/** One view of the app. */
export interface ViewEntry {
  /** Stable id used by `useNavigate()` and stored as the last open view. */
  id: string;
  /** Sidebar and palette label. */
  label: string;
  /** Key sequence that opens the view, e.g. "g t" (a `g` then a `t`), or null. */
  shortcut: string | null;
  /** Sidebar section. */
  group: ViewGroup;
  /** The view itself, loaded on first use. */
  component: LazyExoticComponent<ComponentType<ViewProps>>;
}

/** Lazily loads the named export `name` of a module as a view component. */
function view<M>(
  load: () => Promise<M>,
  name: keyof M,
): LazyExoticComponent<ComponentType<ViewProps>> {
  return lazy(async () => ({ default: (await load())[name] as ComponentType<ViewProps> }));
}

/** Every view, in sidebar order within its group. */
export const VIEWS: ViewEntry[] = [
  {
    id: "scan",
    label: "Scan",
    shortcut: "g s",
    group: "capture",
    component: view(() => import("./views/ScanView"), "ScanView"),
  },
  {
    id: "targets",
    label: "Targets",
    shortcut: "g t",
    group: "capture",
    component: view(() => import("./views/TargetsView"), "TargetsView"),
  },
  // --- issue 10 analysis views: entries with group "analysis" go here ---
  {
    id: "campaigns",
    label: "Campaigns",
    shortcut: "g c",
    group: "analysis",
    component: view(() => import("./views/analysis/campaigns/CampaignsView"), "CampaignsView"),
  },
  {
    id: "graph",
    label: "Graph",
    shortcut: "g g",
    group: "analysis",
    component: view(() => import("./views/analysis/graph/GraphView"), "GraphView"),
  },
  {
    id: "rules",
    label: "Rules",
    shortcut: "g r",
    group: "analysis",
    component: view(() => import("./views/analysis/rules/RulesView"), "RulesView"),
  },
  {
    id: "alerts",
    label: "Alerts",
    shortcut: "g a",
    group: "analysis",
    component: view(() => import("./views/analysis/alerts/AlertsView"), "AlertsView"),
  },
  // --- end of analysis views ---
  {
    id: "jobs",
    label: "Jobs",
    shortcut: "g j",
    group: "system",
    component: view(() => import("./views/JobsView"), "JobsView"),
  },
  {
    id: "logs",
    label: "Logs",
    shortcut: "g l",
    group: "system",
    component: view(() => import("./views/LogsView"), "LogsView"),
  },
  {
    id: "settings",
    label: "Settings",
    shortcut: "g ,",
    group: "system",
    component: view(() => import("./views/SettingsView"), "SettingsView"),
  },
  {
    id: "status",
    label: "Status",
    shortcut: "g d",
    group: "system",
    component: view(() => import("./views/StatusView"), "StatusView"),
  },
];

/** The view with this id, if registered. */
export function findView(id: string): ViewEntry | undefined {
  return VIEWS.find((entry) => entry.id === id);
}
