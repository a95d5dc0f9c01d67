import { describe, expect, test } from "vitest";
import { createLog } from "~/infra/log.server";

function linesOf(json: boolean) {
  const lines: string[] = [];
  return { log: createLog({ json, write: (line) => lines.push(line) }), lines };
}

describe("log lines", () => {
  test("in production, one JSON object a line: time, message, then the fields given, undefined ones left out", () => {
    const { log, lines } = linesOf(true);
    log('a "quoted"\nmessage', { path: '/x?"y"\n', status: 200, ok: true, none: null, skipped: undefined });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(["time", "msg", "path", "status", "ok", "none"]);
    expect(parsed).toMatchObject({ msg: 'a "quoted"\nmessage', path: '/x?"y"\n', status: 200, ok: true, none: null });
    expect(new Date(String(parsed.time)).toISOString()).toBe(parsed.time);
  });

  test("in development, message key=value, quoting values with spaces, quotes or =", () => {
    const { log, lines } = linesOf(false);
    log("request", { method: "GET", path: "/a b", ms: 1.5, note: 'say "hi"', skipped: undefined });
    expect(lines).toEqual(['request method=GET path="/a b" ms=1.5 note="say \\"hi\\""']);
  });
});
