// The rule editor alone: line numbers, the error line marked in the gutter and banded, the
// error list, and a click on an error moving the cursor to its line and column.

import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { offsetOf, RuleEditor } from "./RuleEditor";

const SOURCE = 'rule a\n{\n  strings:\n    $x = "abc\n  condition:\n    $x\n}';

describe("RuleEditor", () => {
  it("numbers every line and marks the error line only", () => {
    const { container } = render(
      <RuleEditor
        value={SOURCE}
        onChange={() => {}}
        label="yara rule source"
        errors={[{ line: 4, column: 10, message: "unterminated string", rule: "a" }]}
      />,
    );
    const numbers = container.querySelectorAll(".rule-line-number");
    expect(numbers).toHaveLength(7);
    const marked = container.querySelectorAll(".rule-line-number.has-error");
    expect([...marked].map((n) => n.getAttribute("data-line"))).toEqual(["4"]);
    expect(marked[0]).toHaveAttribute("title", "unterminated string");
    expect(container.querySelector("[data-error-line]")).toHaveAttribute("data-error-line", "4");
    expect(screen.getByRole("list", { name: "Compile errors" })).toHaveTextContent(
      "line 4, column 10 in a: unterminated string",
    );
    expect(screen.getByLabelText("yara rule source")).toHaveAttribute("aria-invalid", "true");
  });

  it("moves the cursor to an error when it is clicked", () => {
    render(
      <RuleEditor
        value={SOURCE}
        onChange={() => {}}
        label="src"
        errors={[{ line: 4, column: 10, message: "bad", rule: null }]}
      />,
    );
    fireEvent.click(screen.getByRole("button", { name: "line 4, column 10" }));
    const area = screen.getByLabelText("src") as HTMLTextAreaElement;
    expect(area.selectionStart).toBe(offsetOf(SOURCE, 4, 10));
    expect(SOURCE.slice(area.selectionStart, area.selectionStart + 4)).toBe('"abc');
  });

  it("reports edits and clamps offsets to the text", () => {
    const onChange = vi.fn();
    render(<RuleEditor value="ab" onChange={onChange} label="src" errors={[]} />);
    fireEvent.change(screen.getByLabelText("src"), { target: { value: "abc" } });
    expect(onChange).toHaveBeenCalledWith("abc");
    expect(offsetOf("ab\ncd", 9, 9)).toBe(5);
    expect(offsetOf("ab\ncd", 2, 1)).toBe(3);
  });
});
