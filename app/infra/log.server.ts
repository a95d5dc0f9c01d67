import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

// One line per thing that happened. In production every line is a JSON
// object (Fly's log shipping and any log search can filter on the fields);
// in development it is a readable `message key=value …` line.

type LogFields = Record<string, string | number | boolean | null | undefined>;
export type Log = (message: string, fields?: LogFields) => void;

// Lines logged in one turn of the event loop leave in one write: stdout to a
// pipe or a file is synchronous in Node, a system call each, and one line a
// request cost 4 % of the main thread under load. Whatever is still waiting
// when the process exits is written then, so no line is lost.
let waiting: string[] = [];
function flushStdout() {
  if (waiting.length === 0) return;
  process.stdout.write(waiting.join(""));
  waiting = [];
}
process.on("exit", flushStdout);

function writeStdoutLine(line: string) {
  if (waiting.length === 0) setImmediate(flushStdout);
  waiting.push(`${line}\n`);
}

// A line is written as text field by field: every request logs one, and
// building an object to stringify (with the undefined fields filtered out)
// cost more than the rest of a cached health check.
export function createLog({ json, write = writeStdoutLine }: { json: boolean; write?: (line: string) => void }): Log {
  if (json) {
    return (message, fields = {}) => {
      let line = `{"time":"${new Date().toISOString()}","msg":${JSON.stringify(message)}`;
      for (const key in fields) {
        const value = fields[key];
        if (value !== undefined) line += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
      }
      write(`${line}}`);
    };
  }
  return (message, fields = {}) => {
    let line = message;
    for (const key in fields) {
      const value = fields[key];
      if (value !== undefined) line += ` ${key}=${formatValue(value)}`;
    }
    write(line);
  };
}

function formatValue(value: string | number | boolean | null | undefined): string {
  const text = String(value);
  return /[\s"=]/.test(text) ? JSON.stringify(text) : text;
}

// Fly's proxy stamps every request with Fly-Request-Id; reusing it (or a
// caller's X-Request-Id) lets one id follow a request through both logs.
// Anything that does not look like an id is replaced, so a client cannot
// inject text into the log.
const plausibleId = /^[\w.:-]{1,128}$/;

function requestIdOf(req: IncomingMessage): string {
  for (const header of ["x-request-id", "fly-request-id"]) {
    const value = req.headers[header];
    if (typeof value === "string" && plausibleId.test(value)) return value;
  }
  return randomUUID();
}

// The request log. `begin` is called first for every request: it picks the
// request's id (for X-Request-Id, which the caller sends back) and logs one
// line when the answer has been sent (or the client went away). A
// Server-Sent Events stream is logged when it closes, with its whole
// duration.
//
// At most `perSecond` lines a second (0: no limit). Past that, the rest of
// the second's answers are counted rather than written, and one line says
// how many, by status class, once the second is over: a line a request took
// a third of the server's throughput on a cached health check (12,000
// answers a second, measured), and at such rates the metrics say more than
// lines anyone could read. A failure (5xx) or an answer its client never
// got has an allowance of its own, so no flood of successes can hide one;
// a flood of failures (a database that is down, polled hard) is counted
// past it like any other. `flush` writes the current second's count at
// once: the server calls it on its way out.
//
// `ended`, if given, hears of every request's end with its time (the
// metrics do), from the listener the line comes from: one listener at a
// request's end, not one for the log and one for the metrics.
type RequestEnded = (req: IncomingMessage, res: ServerResponse, seconds: number) => void;
export type RequestLog = {
  begin: (req: IncomingMessage, res: ServerResponse, ended?: RequestEnded) => string;
  flush: () => void;
};

export function logRequests(
  log: Log,
  { perSecond = 0, elapsedMs = () => performance.now() }: { perSecond?: number; elapsedMs?: () => number } = {},
): RequestLog {
  const WINDOW_MS = 1000;
  let windowStart = -Infinity;
  let written = 0;
  let failuresWritten = 0;
  let skipped: Record<string, number> | null = null;
  let summaryTimer: NodeJS.Timeout | undefined;

  function flush() {
    clearTimeout(summaryTimer);
    if (!skipped) return;
    const counts = skipped;
    skipped = null;
    let count = 0;
    for (const key in counts) count += counts[key]!;
    log("requests not logged", { count, ...counts });
  }

  function mayWrite(kind: string, failure: boolean): boolean {
    const now = elapsedMs();
    if (now - windowStart >= WINDOW_MS) {
      flush();
      windowStart = now;
      written = 0;
      failuresWritten = 0;
    }
    if (failure ? failuresWritten < perSecond : written < perSecond) {
      if (failure) failuresWritten += 1;
      else written += 1;
      return true;
    }
    if (!skipped) {
      skipped = {};
      // said even if no request comes after this second's; the window ends
      // with it, as the timer may fire a little before the clock says
      summaryTimer = setTimeout(
        () => {
          flush();
          windowStart = -Infinity;
        },
        windowStart + WINDOW_MS - now,
      ).unref();
    }
    skipped[kind] = (skipped[kind] ?? 0) + 1;
    return false;
  }

  return {
    begin(req, res, ended) {
      const started = process.hrtime.bigint();
      const requestId = requestIdOf(req);
      res.once("close", () => {
        const nanoseconds = Number(process.hrtime.bigint() - started);
        ended?.(req, res, nanoseconds / 1e9);
        const aborted = !res.writableFinished;
        if (perSecond > 0) {
          const kind = aborted ? "aborted" : `${Math.floor(res.statusCode / 100)}xx`;
          if (!mayWrite(kind, aborted || res.statusCode >= 500)) return;
        }
        log("request", {
          method: req.method,
          path: (req.url ?? "/").split("?")[0],
          status: res.statusCode,
          ms: Math.round(nanoseconds / 1e5) / 10,
          requestId,
          ...(aborted ? { aborted: true } : {}),
        });
      });
      return requestId;
    },
    flush,
  };
}
