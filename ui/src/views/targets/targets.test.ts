// Pure parts of the Targets view: filters to query, view parameters to filters, multi-selection
// and the persisted column choice.

import { act, renderHook } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";

import { DEFAULT_COLUMNS, readColumns, useColumns } from "./columns";
import { activeFilterCount, filtersFromParams, NO_FILTERS, toQuery } from "./filters";
import { clickSelection, toggleAll } from "./selection";

describe("filters", () => {
  it("turns form text into a query and drops what is invalid", () => {
    const filters = {
      ...NO_FILTERS,
      status: "DONE",
      risk_min: "40",
      risk_max: "101",
      ip: " 10.0. ",
      has_matches: "false",
      until: "2026-11-30",
      since: "30/11/2026",
    };
    expect(toQuery(filters, "risk_score", true, 400, 200)).toEqual({
      offset: 400,
      limit: 200,
      sort: "risk_score",
      descending: true,
      status: "DONE",
      domain: null,
      risk_min: 40,
      ip: "10.0.",
      has_matches: false,
      until: "2026-11-30T23:59:59Z",
    });
  });

  it("reads known filters from view parameters and counts the active ones", () => {
    const filters = filtersFromParams({ pivot_kind: "favicon", pivot_value: "ab", target: "3" });
    expect(filters).toEqual({ ...NO_FILTERS, pivot_kind: "favicon", pivot_value: "ab" });
    expect(activeFilterCount(filters)).toBe(1);
    expect(activeFilterCount(NO_FILTERS)).toBe(0);
  });
});

describe("selection", () => {
  const ids = [50, 49, 48, 47, 46];
  const idAt = (i: number) => ids[i];
  const plain = { shift: false, toggle: false };

  it("selects one row on a plain click and toggles with ctrl", () => {
    expect([...clickSelection(new Set([1, 2]), null, 2, idAt, plain)]).toEqual([48]);
    const toggled = clickSelection(new Set([48]), 2, 4, idAt, { shift: false, toggle: true });
    expect([...toggled].sort()).toEqual([46, 48]);
    expect([...clickSelection(toggled, 2, 4, idAt, { shift: false, toggle: true })]).toEqual([48]);
  });

  it("extends a range with shift from the anchor, in either direction", () => {
    const down = clickSelection(new Set([50]), 0, 3, idAt, { shift: true, toggle: false });
    expect([...down]).toEqual([50, 49, 48, 47]);
    const up = clickSelection(new Set([99]), 4, 2, idAt, { shift: true, toggle: true });
    expect([...up].sort()).toEqual([46, 47, 48, 99]);
  });

  it("selects every row in view, or clears them when all already are", () => {
    expect([...toggleAll(new Set([1]), [2, 3])].sort()).toEqual([1, 2, 3]);
    expect([...toggleAll(new Set([1, 2, 3]), [2, 3])]).toEqual([1]);
  });
});

describe("columns", () => {
  beforeEach(() => localStorage.clear());

  it("falls back to the default for missing or unreadable storage", () => {
    expect(readColumns()).toEqual(DEFAULT_COLUMNS);
    localStorage.setItem("trawl.targets.columns", "{not json");
    expect(readColumns()).toEqual(DEFAULT_COLUMNS);
    localStorage.setItem("trawl.targets.columns", JSON.stringify(["nope"]));
    expect(readColumns()).toEqual(DEFAULT_COLUMNS);
  });

  it("persists toggles in display order and never hides the last column", () => {
    const { result } = renderHook(() => useColumns());
    act(() => result.current.toggle("ip"));
    expect(result.current.shown).toContain("ip");
    expect(JSON.parse(localStorage.getItem("trawl.targets.columns")!)).toEqual(
      result.current.shown,
    );
    expect(result.current.shown.indexOf("ip")).toBe(result.current.shown.indexOf("domain") + 1);

    for (const key of [...result.current.shown]) act(() => result.current.toggle(key));
    expect(result.current.shown).toHaveLength(1);
  });
});
