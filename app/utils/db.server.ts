import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, LibsqlError } from "@libsql/client";
import type { Client, InStatement, ResultSet } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import * as schema from "../../db/schema";

export type DatabaseConfig = {
  url: string;
  authToken?: string;
  syncUrl?: string;
  // how long one SQLite call may wait for another process's lock; the wait
  // blocks this process's event loop, so it stays short and the jittered
  // retry below does the rest of the waiting without blocking
  busyTimeoutMs?: number;
  // the total time a write may spend retrying SQLITE_BUSY before it fails
  busyRetryBudgetMs?: number;
  // at most this many queued commands share one transaction (group commit)
  maxGroupSize?: number;
};

export type Database = {
  // the drizzle query builder over the read connections
  db: LibSQLDatabase<typeof schema>;
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
};

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

// Busy codes arrive as SQLITE_BUSY or one of its extended forms
// (SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_RECOVERY …), and a BEGIN IMMEDIATE that
// lost to another process can also surface as SQLITE_LOCKED.
export function isBusyError(error: unknown): boolean {
  if (!(error instanceof LibsqlError)) return false;
  const codes = [error.code, error.extendedCode ?? ""];
  return codes.some((c) => c.startsWith("SQLITE_BUSY") || c.startsWith("SQLITE_LOCKED"));
}

// file:data/x.db is relative to the working directory; file:///x.db is not
function filePath(url: string): string {
  return url.startsWith("file://") ? fileURLToPath(url) : url.slice("file:".length);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createDatabase(config: DatabaseConfig): Database {
  const isLocalFile = config.url.startsWith("file:") && !config.syncUrl;
  const busyTimeoutMs = config.busyTimeoutMs ?? 50;
  const busyRetryBudgetMs = config.busyRetryBudgetMs ?? 10_000;
  const maxGroupSize = config.maxGroupSize ?? 64;
  if (config.url.startsWith("file:")) mkdirSync(path.dirname(filePath(config.url)), { recursive: true });

  const open = (concurrency?: number) =>
    createClient({
      url: config.url,
      authToken: config.authToken,
      syncUrl: config.syncUrl,
      timeout: busyTimeoutMs,
      ...(concurrency === undefined ? {} : { concurrency }),
    });

  // A local file gets a pool of readers and one dedicated writer connection,
  // so reads never queue behind a write. An embedded replica has a single
  // connection anyway, and a remote server serialises writes itself.
  const reader = open();
  let writer = isLocalFile ? open(1) : reader;

  const queue: QueuedWrite[] = [];
  let running = false;
  let idle: Promise<void> = Promise.resolve();
  let markIdle: () => void = () => {};
  let closed = false;

  async function runWithBusyRetry(statements: InStatement[]): Promise<ResultSet[]> {
    const deadline = Date.now() + busyRetryBudgetMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await writer.batch(statements, "write");
      } catch (error) {
        if (!isBusyError(error) || Date.now() >= deadline) throw error;
        // A statement that failed with SQLITE_BUSY can leave its connection
        // unable to commit (libsql-client-ts#352): start the retry on a
        // fresh connection. Only the dedicated writer is ever replaced.
        if (writer !== reader) writer.reconnect();
        const backoff = Math.min(200, 5 * 2 ** Math.min(attempt, 6));
        await sleep(backoff / 2 + Math.random() * backoff);
      }
    }
  }

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
    const plans = segments.map((segment) => segment[0]!.kind.plan(segment.map((w) => w.payload)));
    let results: ResultSet[];
    try {
      results = await runWithBusyRetry(plans.flatMap((p) => p.statements));
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

  async function pump() {
    running = true;
    while (queue.length > 0) {
      const group = queue.splice(0, maxGroupSize);
      await runGroup(group);
      // A local write resolves without ever yielding to the event loop;
      // yield here so requests, timers and I/O get their turn between
      // transactions and the next group can gather.
      await new Promise((resolve) => setImmediate(resolve));
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
    db: drizzle(reader, { schema }),
    reader,
    write,
    submit,
    drain,
    isLocalFile,
    async close() {
      closed = true;
      await drain();
      if (writer !== reader) writer.close();
      reader.close();
    },
  };
}
