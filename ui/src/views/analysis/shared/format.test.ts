import { describe, expect, it } from "vitest";

import { dayEnd, dayStart, formatCount, formatRisk, formatTime, plural } from "./format";

describe("format", () => {
  it("prints timestamps in local time to the minute and keeps unreadable ones as they are", () => {
    // Tests run in UTC+05:30.
    expect(formatTime("2026-12-04T19:03:30+01:00")).toBe("2026-12-04 23:33");
    expect(formatTime(null)).toBe("—");
    expect(formatTime("yesterday")).toBe("yesterday");
  });

  it("prints counts, risks and plurals", () => {
    expect(formatCount(48211)).toBe("48,211");
    expect(formatRisk(null)).toBe("—");
    expect(formatRisk(72.6)).toBe("73");
    expect(plural(1, "target")).toBe("1 target");
    expect(plural(2500, "target")).toBe("2,500 targets");
  });

  it("turns date inputs into day bounds and rejects anything else", () => {
    expect(dayStart("2026-01-31")).toBe("2026-01-31T00:00:00Z");
    expect(dayEnd("2026-01-31")).toBe("2026-01-31T23:59:59Z");
    expect(dayStart("")).toBeNull();
    expect(dayEnd("31/01/2026")).toBeNull();
  });
});
