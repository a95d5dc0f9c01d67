import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, LibsqlError } from "@libsql/client";
import type { Client } from "@libsql/client";
import { withBusyRetry } from "./busy-retry.js";
import { isWriterStopped, startWriterThread, type WriterThread } from "./db-writer.server";
import {
  createWriteQueue,
  plainStatements,
  type NamedResults,
  type NamedStatements,
  type WriteKind,
  type WriteQueue,
} from "./write-queue.server";

export type { NamedStatements, WriteKind } from "./write-queue.server";

export type DatabaseConfig = {
  url: string;
  authToken?: string;
  syncUrl?: string;
  // how long one SQLite call may wait for another process's lock; the wait
  // blocks its thread (a read's is the event loop), so it stays short and
  // the writer's jittered retry does the rest of the waiting
  busyTimeoutMs?: number;
  // the total time a write may spend retrying SQLITE_BUSY before it fails
  busyRetryBudgetMs?: number;
  // at most this many queued commands share one transaction (group commit)
  maxGroupSize?: number;
  // the writer thread's heap limit (a local file only)
  writerHeapMb?: number;
};

export type Database = {
  reader: Client;
  // runs one guarded write as one BEGIN IMMEDIATE transaction, queued behind
  // this process's other writes; resolves with each statement's result by
  // the statement's name
  write: <S extends NamedStatements>(statements: S) => Promise<NamedResults<S>>;
  // queues one command of a kind whose neighbours can share statements
  submit: <P, R>(kind: WriteKind<P, R>, payload: P) => Promise<R>;
  // resolves once every write queued so far has finished
  drain: () => Promise<void>;
  close: () => Promise<void>;
  isLocalFile: boolean;
  // settles if this process can no longer write (its writer thread died);
  // the server then stops taking requests and exits to be restarted
  writerCrashed: Promise<Error>;
  writerFailure: () => Error | null;
  // for the metrics: commands waiting, every transaction as it ends, and
  // the writer thread's busy time
  queueDepth: WriteQueue["depth"];
  observeCommits: WriteQueue["observe"];
  writerBusySeconds: WriterThread["busySeconds"];
};

// Why a write could not happen at all, when the reason is the machine's and
// not the request's: the disk is full (SQLITE_FULL, which rolls the whole
// transaction back), or the writer is gone.
export function unavailableBecause(error: unknown): "storage_full" | "writer_stopped" | null {
  if (isWriterStopped(error)) return "writer_stopped";
  if (error instanceof LibsqlError && (error.code === "SQLITE_FULL" || error.extendedCode === "SQLITE_FULL")) {
    return "storage_full";
  }
  return null;
}

// file:data/x.db is relative to the working directory; file:///x.db is not
function filePath(url: string): string {
  return url.startsWith("file://") ? fileURLToPath(url) : url.slice("file:".length);
}

export function createDatabase(config: DatabaseConfig): Database {
  const isLocalFile = config.url.startsWith("file:") && !config.syncUrl;
  const busyTimeoutMs = config.busyTimeoutMs ?? 50;
  const busyRetryBudgetMs = config.busyRetryBudgetMs ?? 10_000;
  // Up to 256 queued commands share a transaction, which spreads its fsync
  // over more holds once more than a few dozen are waiting. In-process
  // (bench:core, 1,024 holds in flight, two alternated rounds), spread rows
  // made 10,260 / 9,235 holds a second with groups of at most 64, 19,541 /
  // 16,948 with 256 and 20,290 / 18,482 with 512; at 128 in flight, and
  // over HTTP at 128 and 256 connections, the cap made no difference, since
  // groups there seldom reach 64. Past 256 the gain was small, and each
  // group's callers wait for the whole of it.
  const maxGroupSize = config.maxGroupSize ?? 256;
  if (config.url.startsWith("file:")) mkdirSync(path.dirname(filePath(config.url)), { recursive: true });

  const reader = createClient({
    url: config.url,
    authToken: config.authToken,
    syncUrl: config.syncUrl,
    timeout: busyTimeoutMs,
  });
  // A local file gets its own writer connection on a thread of its own, so
  // reads never queue behind a write and a write never stops the event loop.
  // An embedded replica has a single connection anyway, and a remote server
  // serialises writes itself.
  const writer: WriterThread = isLocalFile
    ? startWriterThread({ path: filePath(config.url), busyTimeoutMs, busyRetryBudgetMs, heapMb: config.writerHeapMb })
    : {
        batch: (statements) =>
          withBusyRetry({ write: () => reader.batch(statements, "write"), budgetMs: busyRetryBudgetMs }),
        close: async () => {},
        crashed: new Promise<never>(() => {}),
        busySeconds: () => null,
      };
  let writerFailure: Error | null = null;
  void writer.crashed.then((error) => (writerFailure = error));

  const queue = createWriteQueue({ batch: writer.batch, maxGroupSize, sendAhead: isLocalFile });
  const write = <S extends NamedStatements>(statements: S) =>
    queue.submit(plainStatements, statements) as Promise<NamedResults<S>>;

  return {
    reader,
    write,
    submit: queue.submit,
    drain: queue.drain,
    isLocalFile,
    writerCrashed: writer.crashed,
    writerFailure: () => writerFailure,
    queueDepth: queue.depth,
    observeCommits: queue.observe,
    writerBusySeconds: writer.busySeconds,
    async close() {
      queue.close();
      await queue.drain();
      await writer.close();
      reader.close();
    },
  };
}
