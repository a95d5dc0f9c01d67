import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, LibsqlError } from "@libsql/client";
import type { Client, InStatement, ResultSet } from "@libsql/client";
import { isBusyError, withBusyRetry } from "./busy-retry.js";
import { isWriterStopped, startWriterThread, type WriterThread } from "./db-writer.server";

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
  // this process's other writes; resolves with one result set per statement
  write: (statements: InStatement[]) => Promise<ResultSet[]>;
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

// A kind of write whose queued commands can share one set of statements:
// `plan` turns the payloads of neighbouring queued commands of this kind
// into statements, and their results back into one outcome per command, in
// order.
export type WriteKind<P, R> = {
  name: string;
  plan: (payloads: P[]) => { statements: InStatement[]; outcomes: (results: ResultSet[]) => R[] };
};

// Commands that bring their own statements: they share the transaction but
// not the statements.
const plainStatements: WriteKind<InStatement[], ResultSet[]> = {
  name: "statements",
  plan(payloads) {
    return {
      statements: payloads.flat(),
      outcomes(results) {
        let offset = 0;
        return payloads.map((p) => results.slice(offset, (offset += p.length)));
      },
    };
  },
};

type QueuedWrite = {
  kind: WriteKind<unknown, unknown>;
  payload: unknown;
  resolve: (outcome: unknown) => void;
  reject: (error: unknown) => void;
};

// file:data/x.db is relative to the working directory; file:///x.db is not
function filePath(url: string): string {
  return url.startsWith("file://") ? fileURLToPath(url) : url.slice("file:".length);
}

export function createDatabase(config: DatabaseConfig): Database {
  const isLocalFile = config.url.startsWith("file:") && !config.syncUrl;
  const busyTimeoutMs = config.busyTimeoutMs ?? 50;
  const busyRetryBudgetMs = config.busyRetryBudgetMs ?? 10_000;
  const maxGroupSize = config.maxGroupSize ?? 64;
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
      };
  let writerFailure: Error | null = null;
  void writer.crashed.then((error) => (writerFailure = error));

  const queue: QueuedWrite[] = [];
  let running = false;
  let idle: Promise<void> = Promise.resolve();
  let markIdle: () => void = () => {};
  let closed = false;

  // Group commit: the commands waiting in the queue run in one transaction.
  // Neighbouring commands of one kind share one plan (one set of statements
  // for all of them), which is where the throughput comes from. Every guard
  // lives in the SQL, so a command whose guard fails changes nothing and the
  // others are unaffected; only an error (which rolls the whole group back)
  // makes each command run again on its own, so one bad command can never
  // fail its neighbours.
  async function runGroup(group: QueuedWrite[]) {
    const segments: QueuedWrite[][] = [];
    for (const w of group) {
      const last = segments[segments.length - 1];
      if (last && last[0]!.kind === w.kind) last.push(w);
      else segments.push([w]);
    }
    let plans: ReturnType<WriteKind<unknown, unknown>["plan"]>[];
    let results: ResultSet[];
    try {
      plans = segments.map((segment) => segment[0]!.kind.plan(segment.map((w) => w.payload)));
      results = await writer.batch(plans.flatMap((p) => p.statements));
    } catch (error) {
      if (group.length === 1 || isBusyError(error)) {
        for (const w of group) w.reject(error);
        return;
      }
      for (const w of group) await runGroup([w]);
      return;
    }
    let offset = 0;
    segments.forEach((segment, i) => {
      const plan = plans[i]!;
      const own = results.slice(offset, offset + plan.statements.length);
      offset += plan.statements.length;
      try {
        const outcomes = plan.outcomes(own);
        segment.forEach((w, j) => w.resolve(outcomes[j]));
      } catch (error) {
        for (const w of segment) w.reject(error);
      }
    });
  }

  // One group at a time: measured with a second group already waiting at
  // the writer thread, groups came out smaller and the writer did more work
  // for the same holds.
  async function pump() {
    running = true;
    while (queue.length > 0) {
      // the next group gathers while this one is written
      await runGroup(queue.splice(0, maxGroupSize));
    }
    running = false;
    markIdle();
  }

  function submit<P, R>(kind: WriteKind<P, R>, payload: P): Promise<R> {
    if (closed) return Promise.reject(new Error("The database is closed"));
    return new Promise<R>((resolve, reject) => {
      queue.push({
        kind: kind as WriteKind<unknown, unknown>,
        payload,
        resolve: resolve as (outcome: unknown) => void,
        reject,
      });
      if (!running) {
        idle = new Promise((r) => (markIdle = r));
        void pump();
      }
    });
  }

  const write = (statements: InStatement[]) => submit(plainStatements, statements);

  async function drain() {
    if (running) await idle;
  }

  return {
    reader,
    write,
    submit,
    drain,
    isLocalFile,
    writerCrashed: writer.crashed,
    writerFailure: () => writerFailure,
    async close() {
      closed = true;
      await drain();
      await writer.close();
      reader.close();
    },
  };
}
