// The error normalisation every command result goes through.

import { describe, expect, it } from "vitest";

import { isIpcError, toIpcError } from "./ipc";

describe("toIpcError", () => {
  it("keeps an error that already has code and message", () => {
    const error = { code: "database_unreachable", message: "refused" };
    expect(toIpcError(error)).toBe(error);
  });

  it("wraps an Error and a bare string in ipc_failed", () => {
    expect(toIpcError(new Error("boom"))).toEqual({ code: "ipc_failed", message: "boom" });
    expect(toIpcError("command db_status not found")).toEqual({
      code: "ipc_failed",
      message: "command db_status not found",
    });
  });

  it("rejects objects whose fields are not strings", () => {
    expect(isIpcError({ code: 1, message: "x" })).toBe(false);
    expect(isIpcError(null)).toBe(false);
  });
});
