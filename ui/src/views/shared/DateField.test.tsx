import { fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it } from "vitest";

import { DateField } from "./DateField";
import { isDay } from "./time";

function Harness({ initial = "" }: { initial?: string }) {
  const [value, setValue] = useState(initial);
  return <DateField label="From" value={value} onChange={setValue} />;
}

describe("DateField", () => {
  it("is a visibly empty text field with a format placeholder, not a native date input", () => {
    render(<Harness />);
    const input = screen.getByLabelText("From") as HTMLInputElement;
    expect(input.type).toBe("text");
    expect(input.value).toBe("");
    expect(input).toHaveAttribute("placeholder", "yyyy-mm-dd");
    expect(input).not.toHaveAttribute("aria-invalid");
  });

  it("takes a typed day and marks an impossible one", () => {
    render(<Harness />);
    const input = screen.getByLabelText("From");
    fireEvent.change(input, { target: { value: "2026-11-02" } });
    expect(input).toHaveValue("2026-11-02");
    expect(input).not.toHaveAttribute("aria-invalid");
    fireEvent.change(input, { target: { value: "2026-02-30" } });
    expect(input).toHaveAttribute("aria-invalid", "true");
  });
});

describe("isDay", () => {
  it("accepts real days only", () => {
    expect(isDay("2028-02-29")).toBe(true);
    expect(isDay("2026-02-29")).toBe(false);
    expect(isDay("2026-13-01")).toBe(false);
    expect(isDay("2026-1-01")).toBe(false);
    expect(isDay("")).toBe(false);
  });
});
