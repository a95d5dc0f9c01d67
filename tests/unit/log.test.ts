import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
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
  function exchange(status: number, { finished = true } = {}) {
    const req = { method: "GET", url: "/api/health", headers: {} } as unknown as IncomingMessage;
    const res = Object.assign(new EventEmitter(), { statusCode: status, writableFinished: finished });
    return { req, res: res as unknown as ServerResponse, close: () => res.emit("close") };
  }

  function capped(perSecond: number) {
    const { log, lines } = linesOf(true);
    const clock = { elapsed: 0 };
    const requestLog = logRequests(log, { perSecond, elapsedMs: () => clock.elapsed });
    const answer = (status: number, options?: { finished?: boolean }) => {
      const { req, res, close } = exchange(status, options);
      requestLog.begin(req, res);
      close();
    };
    const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    return { requestLog, answer, parsed, clock };
  }

  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("past the limit a second's answers are counted, by status class, and said in one line when it ends", () => {
    const { answer, parsed, clock } = capped(3);
    for (const status of [200, 200, 404, 200, 409, 200, 200]) answer(status);
    expect(parsed().map((l) => [l.msg, l.status])).toEqual([
      ["request", 200],
      ["request", 200],
      ["request", 404],
    ]);

    // nothing more arrives: the count is said when the second is over
    clock.elapsed = 999;
    vi.advanceTimersByTime(999);
    expect(parsed()).toHaveLength(3);
    clock.elapsed = 1000;
    vi.advanceTimersByTime(1);
    expect(parsed()[3]).toEqual({
      time: expect.any(String),
      msg: "requests not logged",
      count: 4,
      "2xx": 3,
      "4xx": 1,
    });

    // a new second starts with a fresh allowance
    answer(201);
    expect(parsed()[4]).toMatchObject({ msg: "request", status: 201 });
    expect(parsed()).toHaveLength(5);
  });

  test("the next second's first answer says the last one's count, and the timer then says nothing twice", () => {
    const { answer, parsed, clock } = capped(1);
    answer(200);
    answer(200);
    clock.elapsed = 1500;
    answer(200);
    expect(parsed().map((l) => l.msg)).toEqual(["request", "requests not logged", "request"]);
    expect(parsed()[1]).toMatchObject({ count: 1, "2xx": 1 });
    vi.advanceTimersByTime(5_000);
    expect(parsed()).toHaveLength(3);
  });

  test("failures and abandoned answers have an allowance of their own; past it they are counted too", () => {
    const { answer, parsed, clock } = capped(2);
    answer(200);
    answer(200);
    answer(200);
    answer(503);
    answer(200, { finished: false });
    answer(500);
    answer(500);
    expect(parsed().map((l) => [l.status, l.aborted ?? false])).toEqual([
      [200, false],
      [200, false],
      [503, false],
      [200, true],
    ]);
    clock.elapsed = 1000;
    vi.advanceTimersByTime(1000);
    expect(parsed()[4]).toMatchObject({ msg: "requests not logged", count: 3, "2xx": 1, "5xx": 2 });
  });

  test("flush says the count at once, as the server does on its way out; 0 writes every line", () => {
    const { requestLog, answer, parsed } = capped(1);
    answer(200);
    answer(204);
    requestLog.flush();
    expect(parsed()[1]).toMatchObject({ msg: "requests not logged", count: 1, "2xx": 1 });
    requestLog.flush();
    vi.advanceTimersByTime(5_000);
    expect(parsed()).toHaveLength(2);

    const every = capped(0);
    for (let i = 0; i < 500; i += 1) every.answer(200);
    expect(every.parsed()).toHaveLength(500);
  });

  test("the id is the caller's when it looks like one, a fresh one otherwise", () => {
    const { requestLog } = capped(0);
    const id = (headers: Record<string, string>) =>
      requestLog.begin(
        { method: "GET", url: "/", headers } as unknown as IncomingMessage,
        new EventEmitter() as ServerResponse,
      );
    expect(id({ "x-request-id": "trace-42" })).toBe("trace-42");
    expect(id({ "fly-request-id": "01J:fly.req-1" })).toBe("01J:fly.req-1");
    expect(id({ "x-request-id": 'a b"}' })).toMatch(/^[0-9a-f-]{36}$/);
  });
});
