// @ts-check
// The writer of a local database file, on a thread of its own.
//
// A local libSQL file runs every statement synchronously, fsync included, so
// a writer on the main thread stops the HTTP server for the whole of every
// transaction: measured under load, the write took 40 % of the one core the
// server could use. Here it runs beside the event loop instead, on the
// machine's other core, and a busy wait on another process's lock stalls
// only this thread. db.server.ts keeps the queue and the group commit; this
// thread only runs the batches it is sent, one at a time, in order.
//
// Plain JavaScript (type-checked through JSDoc) so that the very same file
// runs from source under Vitest and tsx and from the build: a worker thread
// on Node 20 cannot load TypeScript through tsx's loader.
import { parentPort, workerData } from "node:worker_threads";
import { createClient, LibsqlError } from "@libsql/client";
import { batchWithBusyRetry } from "./busy-retry.js";

/**
 * @typedef {import("@libsql/client").InStatement} InStatement
 * @typedef {import("@libsql/client").ResultSet} ResultSet
 * @typedef {{ url: string; busyTimeoutMs: number; busyRetryBudgetMs: number }} WriterOptions
 * @typedef {{ columns: string[]; columnTypes: string[]; rows: unknown[][]; rowsAffected: number; lastInsertRowid: bigint | undefined }} PlainResultSet
 * @typedef {{ message: string; code?: string; extendedCode?: string; rawCode?: number }} PlainError
 * @typedef {{ type: "batch"; id: number; statements: InStatement[] } | { type: "close" }} WriterRequest
 * @typedef {{ id: number; results: PlainResultSet[] } | { id: number; error: PlainError }} WriterReply
 */

const port = parentPort;
if (!port) throw new Error("db-writer.worker.js runs only as a worker thread");
/** @type {WriterOptions} */
const options = workerData;

const client = createClient({ url: options.url, timeout: options.busyTimeoutMs, concurrency: 1 });

// Rows cross to the main thread as plain arrays; db.server.ts gives them
// back the shape @libsql/client's rows have.
/** @param {ResultSet} result @returns {PlainResultSet} */
function plain(result) {
  return {
    columns: result.columns,
    columnTypes: result.columnTypes,
    rows: result.rows.map((row) => Array.from(row)),
    rowsAffected: result.rowsAffected,
    lastInsertRowid: result.lastInsertRowid,
  };
}

/** @param {unknown} error @returns {PlainError} */
function plainError(error) {
  if (!(error instanceof LibsqlError)) return { message: error instanceof Error ? error.message : String(error) };
  // LibsqlError puts "CODE: " in front of the message; it will again
  const message = error.message.startsWith(`${error.code}: `) ? error.message.slice(error.code.length + 2) : error.message;
  return { message, code: error.code, extendedCode: error.extendedCode, rawCode: error.rawCode };
}

let tail = Promise.resolve();
port.on("message", (/** @type {WriterRequest} */ request) => {
  tail = tail.then(async () => {
    if (request.type === "close") {
      client.close();
      port.close();
      return;
    }
    /** @type {WriterReply} */
    let reply;
    try {
      const results = await batchWithBusyRetry({
        client,
        statements: request.statements,
        budgetMs: options.busyRetryBudgetMs,
        reconnect: true,
      });
      reply = { id: request.id, results: results.map(plain) };
    } catch (error) {
      reply = { id: request.id, error: plainError(error) };
    }
    port.postMessage(reply);
  });
});
