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
// It drives the file through `libsql`, the driver that @libsql/client itself
// uses for file: URLs, rather than through @libsql/client, for one reason:
// @libsql/client prepares every statement again on every call, and the same
// dozen statements of a reserve group then took a fifth to a third of this
// thread's time (hot row over HTTP, alternating runs: 20–50 % more holds a
// second without it at 32 connections, 5–15 % at 128).
// Here each statement is prepared once per connection. Everything else is
// @libsql/client's behaviour: BEGIN IMMEDIATE … COMMIT, rollback on error,
// its argument rules and its error codes.
//
// Plain JavaScript (type-checked through JSDoc) so that the very same file
// runs from source under Vitest and tsx and from the build: a worker thread
// on Node 20 cannot load TypeScript through tsx's loader.
import { parentPort, workerData } from "node:worker_threads";
import { LibsqlError } from "@libsql/client";
import Database from "libsql";
import { withBusyRetry } from "./busy-retry.js";

/**
 * @typedef {import("@libsql/client").InStatement} InStatement
 * @typedef {import("@libsql/client").InValue} InValue
 * @typedef {{ path: string; busyTimeoutMs: number; busyRetryBudgetMs: number }} WriterOptions
 * @typedef {{ columns: string[]; columnTypes: string[]; rows: unknown[][]; rowsAffected: number; lastInsertRowid: bigint | undefined }} PlainResultSet
 * @typedef {{ message: string; code?: string; extendedCode?: string; rawCode?: number }} PlainError
 * @typedef {{ type: "batch"; id: number; statements: InStatement[]; ahead: boolean } | { type: "close" }} WriterRequest
 * @typedef {({ id: number; results: PlainResultSet[] } | { id: number; error: PlainError } | { id: number; skipped: true }) & { busyMs: number }} WriterReply
 * @typedef {{ statement: Database.Statement; columns: string[]; columnTypes: string[] }} Prepared
 */

const port = parentPort;
if (!port) throw new Error("db-writer.worker.js runs only as a worker thread");
/** @type {WriterOptions} */
const options = workerData;

// Durability is not traded for speed: every commit is synced to disk before
// its callers hear of it. FULL is SQLite's default for this build (and
// libsql's), said here so that no default elsewhere can ever change it.
/** @returns {{ db: Database.Database; prepared: Map<string, Prepared> }} */
function connect() {
  const db = new Database(options.path, { timeout: options.busyTimeoutMs });
  db.exec("PRAGMA synchronous = FULL");
  return { db, prepared: new Map() };
}
let connection = connect();

// A statement that failed with SQLITE_BUSY can leave its connection unable
// to commit (libsql-client-ts#352): a retry starts on a fresh one.
function reconnect() {
  connection.db.close();
  connection = connect();
}

// The app writes with a few dozen distinct statements; the bound only
// guards against a caller that builds its SQL from values.
const MAX_PREPARED = 500;

/** @param {string} sql @returns {Prepared} */
function prepare(sql) {
  let prepared = connection.prepared.get(sql);
  if (!prepared) {
    if (connection.prepared.size >= MAX_PREPARED) connection.prepared.clear();
    const statement = connection.db.prepare(sql);
    const columns = statement.reader ? statement.raw(true).columns() : [];
    prepared = { statement, columns: columns.map((c) => c.name), columnTypes: columns.map((c) => c.type ?? "") };
    connection.prepared.set(sql, prepared);
  }
  return prepared;
}

// @libsql/client's rules for arguments: booleans are 1 and 0, dates their
// milliseconds, undefined is a mistake; ":name", "@name" and "$name" are all
// the parameter "name".
/** @param {InValue} value */
function bindable(value) {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.valueOf();
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (value === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
  return value;
}

/** @param {InStatement} statement */
function argumentsOf(statement) {
  if (typeof statement === "string" || statement.args === undefined) return [];
  if (Array.isArray(statement.args)) return statement.args.map(bindable);
  /** @type {Record<string, unknown>} */
  const named = {};
  for (const [name, value] of Object.entries(statement.args)) named[name.replace(/^[:@$]/, "")] = bindable(value);
  return named;
}

/** @param {InStatement} statement @returns {PlainResultSet} */
function execute(statement) {
  const {
    statement: prepared,
    columns,
    columnTypes,
  } = prepare(typeof statement === "string" ? statement : statement.sql);
  const args = argumentsOf(statement);
  if (prepared.reader) {
    return {
      columns,
      columnTypes,
      rows: /** @type {unknown[][]} */ (prepared.all(args)),
      rowsAffected: 0,
      lastInsertRowid: undefined,
    };
  }
  const info = prepared.run(args);
  return { columns, columnTypes, rows: [], rowsAffected: info.changes, lastInsertRowid: BigInt(info.lastInsertRowid) };
}

// SQLite's extended codes are its base code and a suffix
// ("SQLITE_CONSTRAINT_CHECK"); @libsql/client reports both.
/** @param {unknown} error */
function asLibsqlError(error) {
  if (!(error instanceof Database.SqliteError)) return error;
  const code = error.code.split("_").slice(0, 2).join("_");
  return new LibsqlError(error.message, code, error.code, error.rawCode, error);
}

function rollback() {
  try {
    connection.db.exec("ROLLBACK");
  } catch {
    // a connection that cannot even roll back is of no further use
    reconnect();
  }
}

/** @param {InStatement[]} statements */
function writeBatch(statements) {
  const { db } = connection;
  try {
    db.exec("BEGIN IMMEDIATE");
    const results = statements.map(execute);
    db.exec("COMMIT");
    return results;
  } catch (error) {
    if (db.inTransaction) rollback();
    throw asLibsqlError(error);
  }
}

/** @param {unknown} error @returns {PlainError} */
function plainError(error) {
  if (!(error instanceof LibsqlError)) return { message: error instanceof Error ? error.message : String(error) };
  // LibsqlError puts "CODE: " in front of the message; it will again
  const message = error.message.startsWith(`${error.code}: `)
    ? error.message.slice(error.code.length + 2)
    : error.message;
  return { message, code: error.code, extendedCode: error.extendedCode, rawCode: error.rawCode };
}

// A batch sent `ahead` was sent while the one before it was still being
// written, on the bet that that one commits. When it did not, the batch
// is not run: its commands go back to the queue behind the failed group's,
// which run again first, so no command is ever decided before one queued
// earlier.
let lastFailed = false;
let tail = Promise.resolve();
port.on("message", (/** @type {WriterRequest} */ request) => {
  tail = tail.then(async () => {
    if (request.type === "close") {
      connection.db.close();
      port.close();
      return;
    }
    if (request.ahead && lastFailed) {
      port.postMessage(/** @type {WriterReply} */ ({ id: request.id, skipped: true, busyMs: 0 }));
      return;
    }
    // the time this batch kept the thread busy, waits between retries left out
    let busyMs = 0;
    const timed = () => {
      const started = performance.now();
      try {
        return writeBatch(request.statements);
      } finally {
        busyMs += performance.now() - started;
      }
    };
    /** @type {WriterReply} */
    let reply;
    try {
      const results = await withBusyRetry({
        write: timed,
        budgetMs: options.busyRetryBudgetMs,
        beforeRetry: reconnect,
      });
      reply = { id: request.id, results, busyMs };
    } catch (error) {
      reply = { id: request.id, error: plainError(error), busyMs };
    }
    lastFailed = "error" in reply;
    port.postMessage(reply);
  });
});
