// The app shell: the view registry, `g` sequences, the command palette and the theme choice.

import { fireEvent, render, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { VIEWS } from "../navigation";
import { CommandPalette, filterCommands, paletteCommands } from "./CommandPalette";
import { viewForSequence } from "./useShortcuts";
import { effectiveTheme, readTheme } from "./useTheme";

describe("view registry", () => {
  it("has unique ids and shortcuts", () => {
    const ids = VIEWS.map((v) => v.id);
    const keys = VIEWS.flatMap((v) => (v.shortcut ? [v.shortcut] : []));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(keys).size).toBe(keys.length);
    expect(viewForSequence("t")).toBe("targets");
    expect(viewForSequence("j")).toBe("jobs");
    expect(viewForSequence("q")).toBeUndefined();
  });
});

describe("command palette", () => {
  it("filters on every typed word", () => {
    const commands = paletteCommands(
      () => {},
      () => {},
    );
    const labels = filterCommands(commands, "show fail").map((c) => c.label);
    expect(labels).toEqual(["Show failed targets", "Show failed jobs"]);
  });

  it("runs the highlighted command on Enter and closes", () => {
    const open = vi.fn();
    const close = vi.fn();
    render(<CommandPalette onClose={close} onOpen={open} onToggleTheme={() => {}} />);
    const input = screen.getByRole("textbox", { name: "Command" });

    fireEvent.change(input, { target: { value: "failed" } });
    fireEvent.keyDown(input, { key: "ArrowDown" });
    fireEvent.keyDown(input, { key: "Enter" });
    expect(open).toHaveBeenCalledWith("jobs", { state: "FAILED" });
    expect(close).toHaveBeenCalled();
  });

  it("says when nothing matches", () => {
    render(<CommandPalette onClose={() => {}} onOpen={() => {}} onToggleTheme={() => {}} />);
    fireEvent.change(screen.getByRole("textbox"), { target: { value: "zzz" } });
    expect(screen.getByText(/No command matches/)).toBeInTheDocument();
  });
});

describe("theme", () => {
  beforeEach(() => localStorage.clear());

  it("follows the system unless a choice is stored", () => {
    expect(readTheme()).toBe("system");
    expect(effectiveTheme("system", true)).toBe("dark");
    expect(effectiveTheme("system", false)).toBe("light");
    localStorage.setItem("trawl.theme", "dark");
    expect(readTheme()).toBe("dark");
    localStorage.setItem("trawl.theme", "purple");
    expect(readTheme()).toBe("system");
  });
});
