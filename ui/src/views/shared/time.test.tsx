import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { Time } from "./Time";
import { localDateTime } from "./time";

// The test run fixes TZ to Asia/Kolkata, UTC+05:30 all year (see vite.config.ts), so local
// and UTC differ.
describe("local timestamps", () => {
  it("runs in UTC+05:30", () => {
    expect(new Date("2026-12-04T22:59:23Z").getTimezoneOffset()).toBe(-330);
  });

  it("prints the engine's UTC microsecond timestamps as local date and time", () => {
    const stamp = "2026-12-04T22:59:23.836706+00:00";
    expect(localDateTime(stamp)).toBe("2026-12-05 04:29:23");
    expect(localDateTime(stamp, { seconds: false })).toBe("2026-12-05 04:29");
    expect(localDateTime("2026-01-02T03:04:05Z")).toBe("2026-01-02 08:34:05");
  });

  it("keeps unreadable values and shows nothing for absent ones", () => {
    expect(localDateTime("yesterday")).toBe("yesterday");
    expect(localDateTime(null)).toBe("");
    expect(localDateTime(42)).toBe("");
  });

  it("renders a time element with the exact value as its tooltip", () => {
    const stamp = "2026-12-04T22:59:23.836706+00:00";
    render(<Time value={stamp} />);
    const el = screen.getByText(localDateTime(stamp));
    expect(el.tagName).toBe("TIME");
    expect(el).toHaveAttribute("title", stamp);
    expect(el).toHaveAttribute("datetime", stamp);
  });
});
