import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createLog, logRequests } from "~/infra/log.server";

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

describe("request lines", () => {
  // node's request and response as logRequests reads them: a response
  // closes once, finished or not
  function exchange(status: number, { finished = true, url = "/api/health" } = {}) {
    const req = { method: "GET", url, headers: {} } as unknown as IncomingMessage;
    const res = Object.assign(new EventEmitter(), { statusCode: status, writableFinished: finished });
    return { req, res: res as unknown as ServerResponse, close: () => res.emit("close") };
  }

  afterEach(() => {
    vi.useRealTimers();
  });

  test("past the limit a second's answers are counted, by status class, and said in one line when it ends", () => {
    vi.useFakeTimers();
    const { log, lines } = linesOf(true);
    let elapsed = 0;
    const logRequest = logRequests(log, { perSecond: 3, elapsedMs: () => elapsed });
    const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

    for (const status of [200, 200, 404, 200, 409, 200, 200]) {
      const { req, res, close } = exchange(status);
      logRequest(req, res);
      close();
    }
    expect(parsed().map((l) => [l.msg, l.status])).toEqual([
      ["request", 200],
      ["request", 200],
      ["request", 404],
    ]);

    // nothing more arrives: the count is said when the second is over
    elapsed = 999;
    vi.advanceTimersByTime(999);
    expect(lines).toHaveLength(3);
    elapsed = 1000;
    vi.advanceTimersByTime(1);
    expect(parsed()[3]).toMatchObject({ msg: "requests not logged", count: 4, "2xx": 3, "4xx": 1 });

    // a new second starts with a fresh allowance
    const { req, res, close } = exchange(201);
    logRequest(req, res);
    close();
    expect(parsed()[4]).toMatchObject({ msg: "request", status: 201 });
    expect(lines).toHaveLength(5);
  });

  test("a failure and an answer its client never got are always written; 0 writes every line", () => {
    const { log, lines } = linesOf(true);
    const logRequest = logRequests(log, { perSecond: 1, elapsedMs: () => 0 });
    for (const [status, finished] of [
      [200, true],
      [200, true],
      [503, true],
      [500, true],
      [200, false],
    ] as const) {
      const { req, res, close } = exchange(status, { finished });
      logRequest(req, res);
      close();
    }
    const written = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(written.map((l) => [l.status, l.aborted ?? false])).toEqual([
      [200, false],
      [503, false],
      [500, false],
      [200, true],
    ]);

    const all = linesOf(true);
    const logEvery = logRequests(all.log, { perSecond: 0, elapsedMs: () => 0 });
    for (let i = 0; i < 500; i += 1) {
      const { req, res, close } = exchange(200);
      logEvery(req, res);
      close();
    }
    expect(all.lines).toHaveLength(500);
  });

  test("the id is the caller's when it looks like one, a fresh one otherwise", () => {
    const { log } = linesOf(true);
    const logRequest = logRequests(log);
    const id = (headers: Record<string, string>) =>
      logRequest(
        { method: "GET", url: "/", headers } as unknown as IncomingMessage,
        new EventEmitter() as ServerResponse,
      );
    expect(id({ "x-request-id": "trace-42" })).toBe("trace-42");
    expect(id({ "fly-request-id": "01J:fly.req-1" })).toBe("01J:fly.req-1");
    expect(id({ "x-request-id": 'a b"}' })).toMatch(/^[0-9a-f-]{36}$/);
  });
});
