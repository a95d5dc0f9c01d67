import type { InStatement, ResultSet } from "@libsql/client";
import { isBusyError } from "./busy-retry.js";

// The statements of one write, by name, and their results by the same names:
// a command reads `results.decide`, never `results[3]`. The order of the
// names is the order the statements run in.
export type NamedStatements = Record<string, InStatement>;
export type NamedResults<S extends NamedStatements = NamedStatements> = { [K in keyof S]: ResultSet };

// A kind of write whose queued commands can share one set of statements:
// `plan` turns the payloads of neighbouring queued commands of this kind
// into statements, and their results back into one outcome per command, in
// order.
export type WriteKind<P, R> = {
  name: string;
  plan: (payloads: P[]) => { statements: NamedStatements; outcomes: (results: NamedResults) => R[] };
};

// Commands that bring their own statements: they share the transaction but
// not the statements (each command's names are kept apart by its place).
export const plainStatements: WriteKind<NamedStatements, NamedResults> = {
  name: "statements",
  plan(payloads) {
    const statements: NamedStatements = {};
    payloads.forEach((payload, i) => {
      for (const [name, statement] of Object.entries(payload)) statements[`${i}.${name}`] = statement;
    });
    return {
      statements,
      outcomes: (results) =>
        payloads.map((payload, i) =>
          Object.fromEntries(Object.keys(payload).map((name) => [name, results[`${i}.${name}`]!])),
        ),
    };
  },
};

type QueuedWrite = {
  kind: WriteKind<unknown, unknown>;
  payload: unknown;
  resolve: (outcome: unknown) => void;
  reject: (error: unknown) => void;
};

export type WriteQueue = {
  submit: <P, R>(kind: WriteKind<P, R>, payload: P) => Promise<R>;
  // resolves once every write queued so far has finished
  drain: () => Promise<void>;
  // refuses new writes from now on
  close: () => void;
  // commands waiting for the writer now
  depth: () => number;
  // hears of every transaction the writer ran: how many commands shared
  // it, how long it took, whether it committed
  observe: (listener: (commit: CommitInfo) => void) => () => void;
};

type CommitInfo = { commands: number; ms: number; ok: boolean };

// taken now, so that a test's fake timers never stop the writes
const nextTurn = setImmediate;

// One writer per process: every write is queued here and the queue runs one
// transaction at a time, `batch` being one BEGIN IMMEDIATE … COMMIT.
//
// Group commit: the commands waiting in the queue run in one transaction.
// Neighbouring commands of one kind share one plan (one set of statements
// for all of them), which is where the throughput comes from. Every guard
// lives in the SQL, so a command whose guard fails changes nothing and the
// others are unaffected; only an error (which rolls the whole group back)
// makes the group run again in halves, down to single commands, so one bad
// command can never fail its neighbours.
export function createWriteQueue({
  batch,
  maxGroupSize,
  sendAhead,
}: {
  // `ahead`: sent while the group before it is still out (only where
  // `sendAhead`); the writer answers "skipped", not running it, if that
  // group failed. Statements that never reach the writer throw at once
  // rather than reject: a group is sent ahead only of one the writer has.
  batch: (statements: InStatement[], ahead: boolean) => Promise<ResultSet[] | "skipped">;
  maxGroupSize: number;
  // whether the writer runs what it is sent strictly in the order sent, so
  // that a second group may be sent while one is out (a writer thread of
  // ours does; a remote server, whose requests may overtake each other,
  // does not)
  sendAhead: boolean;
}): WriteQueue {
  const queue: QueuedWrite[] = [];
  let running = false;
  let idle: Promise<void> = Promise.resolve();
  let markIdle: () => void = () => {};
  let closed = false;
  const observers = new Set<(commit: CommitInfo) => void>();
  // an observer's failure is never the write's: it is ignored
  const tell = (commit: CommitInfo) => {
    for (const observer of observers) {
      try {
        observer(commit);
      } catch {
        // the metrics are best effort
      }
    }
  };

  type Sent = {
    group: QueuedWrite[];
    segments: QueuedWrite[][];
    plans: ReturnType<WriteKind<unknown, unknown>["plan"]>[];
    // from when it was sent or, sent ahead, from when the group before it
    // was answered: how long it took, for the metrics
    started: number;
    // handed to the writer (a group whose plan threw, or whose statements
    // could not be sent, never is)
    dispatched: boolean;
    written: Promise<{ results: ResultSet[] } | { error: unknown } | { skipped: true }>;
  };

  // Plans a group and hands it to the writer; `written` never rejects.
  function send(group: QueuedWrite[], ahead: boolean): Sent {
    const segments: QueuedWrite[][] = [];
    for (const w of group) {
      const last = segments[segments.length - 1];
      if (last && last[0]!.kind === w.kind) last.push(w);
      else segments.push([w]);
    }
    const started = performance.now();
    let plans: Sent["plans"] = [];
    let written: Sent["written"];
    let dispatched = false;
    try {
      plans = segments.map((segment) => segment[0]!.kind.plan(segment.map((w) => w.payload)));
      written = batch(
        plans.flatMap((p) => Object.values(p.statements)),
        ahead,
      ).then(
        (results) => (results === "skipped" ? { skipped: true as const } : { results }),
        (error: unknown) => ({ error }),
      );
      dispatched = true;
    } catch (error) {
      written = Promise.resolve({ error });
    }
    return { group, segments, plans, started, dispatched, written };
  }

  // Gives each command of a written group its outcome.
  function settle({ segments, plans }: Sent, results: ResultSet[]) {
    let offset = 0;
    segments.forEach((segment, i) => {
      const plan = plans[i]!;
      const named: NamedResults = {};
      for (const name of Object.keys(plan.statements)) named[name] = results[offset++]!;
      try {
        const outcomes = plan.outcomes(named);
        segment.forEach((w, j) => w.resolve(outcomes[j]));
      } catch (error) {
        for (const w of segment) w.reject(error);
      }
    });
  }

  // An error rolled the group back: its two halves run again, in queue
  // order, each a group of its own, and a half that fails is halved again,
  // down to single commands. So one bad command never fails its
  // neighbours, and in a group of 256 it costs about 16 transactions
  // rather than one for every command.
  async function runApart(group: QueuedWrite[], error: unknown) {
    if (group.length === 1 || isBusyError(error)) {
      for (const w of group) w.reject(error);
      return;
    }
    const middle = Math.ceil(group.length / 2);
    for (const half of [group.slice(0, middle), group.slice(middle)]) {
      const sent = send(half, false);
      const written = await sent.written;
      tell({ commands: half.length, ms: performance.now() - sent.started, ok: "results" in written });
      if ("results" in written) settle(sent, written.results);
      else if ("error" in written) await runApart(half, written.error);
      // only a group sent ahead is ever skipped
      else for (const w of half) w.reject(new Error("The writer skipped a group that was not sent ahead"));
    }
  }

  // The next group is planned and sent as soon as one commits, before the
  // callers of the one that committed are answered, so the writer does not
  // sit idle while the main thread answers them. When nothing is waiting,
  // the queue waits one turn for those callers' next commands: without it,
  // the first of them went alone and the rest made the next group
  // (bench:core, 32 in flight: 16 holds a group on average before, 31 with
  // it).
  // A second group goes to the writer while one is out only when a full
  // group is waiting, so only when more are waiting than one group takes:
  // then the writer starts the next group the moment it commits one,
  // instead of waiting for the main thread to hear of the commit and send
  // it (bench:core, 1,024 holds in flight, three alternated rounds: hot
  // row 23,544 / 31,167 / 30,082 holds a second without it, 31,415 /
  // 34,522 / 34,067 with it; spread rows 20,649 / 25,353 / 26,189 and
  // 28,300 / 28,165 / 27,909). Sent sooner than that, measured over HTTP,
  // groups came out smaller and the writer did more work for the same
  // holds.
  const out: Sent[] = [];
  // A group goes ahead only of one the writer has: the writer judges it by
  // the last batch it ran, which must be that one (a group whose plan
  // threw never reached the writer, and is run again in halves before
  // anything queued after it).
  function sendWaiting() {
    if (out.length === 0 && queue.length > 0) out.push(send(queue.splice(0, maxGroupSize), false));
    if (sendAhead && out.length === 1 && out[0]!.dispatched && queue.length >= maxGroupSize) {
      out.push(send(queue.splice(0, maxGroupSize), true));
    }
  }

  async function pump() {
    running = true;
    sendWaiting();
    while (out.length > 0) {
      const sent = out.shift()!;
      const written = await sent.written;
      // the group sent ahead of this one starts now
      if (out[0]) out[0].started = performance.now();
      if ("skipped" in written) {
        // sent ahead of a group that failed, whose commands have run again
        // by now: these go next, before anything queued after them
        queue.unshift(...sent.group);
      } else {
        tell({ commands: sent.group.length, ms: performance.now() - sent.started, ok: !("error" in written) });
        // the group's commands come before any queued after them (a group
        // sent ahead of it is skipped by the writer, and comes next)
        if ("error" in written) await runApart(sent.group, written.error);
        else {
          sendWaiting();
          settle(sent, written.results);
        }
      }
      if (out.length === 0) {
        await new Promise((resolve) => nextTurn(resolve));
        sendWaiting();
      }
    }
    running = false;
    markIdle();
  }

  return {
    submit<P, R>(kind: WriteKind<P, R>, payload: P): Promise<R> {
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
    },
    async drain() {
      if (running) await idle;
    },
    close() {
      closed = true;
    },
    depth: () => queue.length,
    observe(listener) {
      observers.add(listener);
      return () => observers.delete(listener);
    },
  };
}
