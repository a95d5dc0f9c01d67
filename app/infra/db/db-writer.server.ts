import { Worker } from "node:worker_threads";
import { LibsqlError } from "@libsql/client";
import type { InStatement, ResultSet, Row } from "@libsql/client";
import type { PlainError, PlainResultSet, WriterOptions, WriterReply, WriterRequest } from "./db-writer.worker.js";

// The main thread's side of the writer thread (db-writer.worker.js): sends
// it batches, and gives each caller back its results or its error in the
// shapes @libsql/client itself would have used.

export type WriterThread = {
  // one BEGIN IMMEDIATE … COMMIT, retried on another process's lock;
  // `ahead`: sent while the batch before it is still out, and "skipped",
  // not run, if that one failed. Throws at once, rather than rejecting,
  // if the statements cannot be sent to the thread at all.
  batch: (statements: InStatement[], ahead: boolean) => Promise<ResultSet[] | "skipped">;
  close: () => Promise<void>;
  // settles if the thread ends without being asked to (a crash, running out
  // of memory): every write after that fails with WriterStoppedError
  crashed: Promise<WriterStoppedError>;
  // seconds the thread has spent running transactions since it started
  // (null: no thread of ours writes); its rate is how busy the writer is
  busySeconds: () => number | null;
};

// Beside this module in source (app/infra/db/) and beside the bundles in a
// build (build/): the same relative path either way. Held in a variable so
// that Vite leaves it alone instead of treating it as an asset.
const workerFile = "./db-writer.worker.js";

// The writer thread is gone (it crashed, or the database was closed): no
// write can happen in this process any more. Recognised by its code, not by
// class: the server bundle and the Remix build each carry a copy of this
// module.
class WriterStoppedError extends Error {
  readonly code = "HOLDFAST_WRITER_STOPPED";
}

export const isWriterStopped = (error: unknown) =>
  error instanceof Error && (error as { code?: unknown }).code === "HOLDFAST_WRITER_STOPPED";

type Pending = { resolve: (results: ResultSet[] | "skipped") => void; reject: (error: Error) => void };

// The writer holds its prepared statements and one group's statements and
// results at a time, with at most one more group waiting to be read (a
// group of 256 holds: well under a megabyte); a heap
// far past that means something is wrong, and it is better that the
// thread dies (and the process with it, to be restarted) than that it takes
// the machine's memory.
const DEFAULT_HEAP_MB = 128;

export function startWriterThread({
  heapMb = DEFAULT_HEAP_MB,
  ...options
}: WriterOptions & { heapMb?: number }): WriterThread {
  const worker = new Worker(new URL(workerFile, import.meta.url), {
    workerData: options,
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
  });
  // An idle writer must not keep the process alive; one with work must.
  worker.unref();
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let busyMs = 0;
  let stopped: WriterStoppedError | null = null;
  let closing = false;
  let markCrashed: (error: WriterStoppedError) => void = () => {};
  const crashed = new Promise<WriterStoppedError>((resolve) => (markCrashed = resolve));

  const exited = new Promise<void>((resolve) => {
    worker.once("exit", (code) => {
      stopped ??= new WriterStoppedError(`The database writer stopped (exit code ${code})`);
      for (const p of pending.values()) p.reject(stopped);
      pending.clear();
      if (!closing) markCrashed(stopped);
      resolve();
    });
  });
  worker.on("error", (error) => {
    stopped = new WriterStoppedError(`The database writer failed: ${error.message}`);
  });
  worker.on("message", (reply: WriterReply) => {
    busyMs += reply.busyMs;
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if ("error" in reply) waiting.reject(toError(reply.error));
    else if ("skipped" in reply) waiting.resolve("skipped");
    else waiting.resolve(reply.results.map(toResultSet));
  });

  const send = (request: WriterRequest) => worker.postMessage(request);

  return {
    batch(statements, ahead) {
      if (stopped) return Promise.reject(stopped);
      const id = nextId++;
      if (pending.size === 0) worker.ref();
      const answered = new Promise<ResultSet[] | "skipped">((resolve, reject) => pending.set(id, { resolve, reject }));
      try {
        send({ type: "batch", id, statements, ahead });
      } catch (error) {
        // a value that cannot be copied to the thread: the writer never
        // had this batch, which the queue must know
        pending.delete(id);
        if (pending.size === 0) worker.unref();
        throw error;
      }
      return answered;
    },
    crashed,
    busySeconds: () => busyMs / 1000,
    async close() {
      closing = true;
      worker.ref();
      stopped ??= new WriterStoppedError("The database is closed");
      send({ type: "close" });
      await exited;
    },
  };
}

function toError(error: PlainError): Error {
  return error.code === undefined
    ? new Error(error.message)
    : new LibsqlError(error.message, error.code, error.extendedCode, error.rawCode);
}

// @libsql/client's row: values by index (not enumerable, like an array's
// length) and by column name (enumerable, the first column of a name wins).
// Built the cheap way: the names are a row's own plain properties, and the
// indexes and length are getters on a prototype shared by every row of the
// same columns, reading the row's values (kept under a symbol, not
// enumerable). Defining each value twice with Object.defineProperty, as
// before, took 0.75 ms for the 64 rows of 17 columns of a group of 64 holds;
// this way, 0.07 ms.
const rowValues = Symbol("values");
type PlainRow = Record<string | number, unknown> & { [rowValues]: unknown[] };
const rowPrototypes = new Map<string, object>();
const MAX_ROW_PROTOTYPES = 500;

function rowPrototype(columns: string[]): object {
  const key = columns.join("\u0000");
  let prototype = rowPrototypes.get(key);
  if (!prototype) {
    const descriptors: PropertyDescriptorMap = {
      length: {
        get(this: PlainRow) {
          return this[rowValues].length;
        },
      },
    };
    columns.forEach((_, i) => {
      descriptors[i] = {
        get(this: PlainRow) {
          return this[rowValues][i];
        },
      };
    });
    prototype = Object.create(Object.prototype, descriptors) as object;
    if (rowPrototypes.size >= MAX_ROW_PROTOTYPES) rowPrototypes.clear();
    rowPrototypes.set(key, prototype);
  }
  return prototype;
}

function toRow(values: unknown[], columns: string[], prototype: object): Row {
  const row = Object.create(prototype) as PlainRow;
  Object.defineProperty(row, rowValues, { value: values });
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    // an index or "length" is the prototype's, as it would be @libsql/client's
    if (Object.hasOwn(row, column) || Object.hasOwn(prototype, column)) continue;
    // a plain assignment, save for the one name Object.prototype would take
    if (column === "__proto__") {
      Object.defineProperty(row, column, { value: values[i], enumerable: true, configurable: true, writable: true });
    } else row[column] = values[i];
  }
  return row as unknown as Row;
}

function toResultSet(plain: PlainResultSet): ResultSet {
  const prototype = rowPrototype(plain.columns);
  const rows = plain.rows.map((values) => toRow(values, plain.columns, prototype));
  return {
    columns: plain.columns,
    columnTypes: plain.columnTypes,
    rows,
    rowsAffected: plain.rowsAffected,
    lastInsertRowid: plain.lastInsertRowid,
    toJSON: () => ({
      columns: plain.columns,
      columnTypes: plain.columnTypes,
      rows: plain.rows,
      rowsAffected: plain.rowsAffected,
      lastInsertRowid: plain.lastInsertRowid === undefined ? null : String(plain.lastInsertRowid),
    }),
  };
}
