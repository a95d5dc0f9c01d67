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

// Called first for every request: tags the response with X-Request-Id and
// logs one line when it has been sent (or the client went away). A
// Server-Sent Events stream is logged when it closes, with its whole
// duration.
export function logRequests(log: Log) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    res.setHeader("X-Request-Id", requestId);
    res.once("close", () => {
      log("request", {
        method: req.method,
        path: (req.url ?? "/").split("?")[0],
        status: res.statusCode,
        ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
        requestId,
        ...(res.writableFinished ? {} : { aborted: true }),
      });
    });
  };
}
