// npm run bench:live: many open `/stock/events` streams on one production
// server process, what they cost it in memory, and how long a stock change
// takes to reach every one of them. The streams are opened by a client of
// its own (this file run with `client`), so the server's event loop is
// measured alone; both raise their open-file limit first.
//
//   BENCH_STREAMS      streams to open (10,000)
//   BENCH_CPU_PROF     a directory: the server runs with --cpu-prof into it,
//                      and the delivery phase's window is printed
//   HOLDFAST_BUILD_DIR the build to run (build; built only if missing)
import { execSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { listeningUrl } from "./listening";

const WANTED_FILES = 65_536;
const CHANGES = 5;
const CHANGE_EVERY_MS = 3_000;
// a stream that has not shown a change by then missed it
const MISSED_AFTER_MS = 10_000;
const ADMIN_TOKEN = "bench-admin-token-0123456789";

// a wall-clock instant two processes on one machine agree on, in ms
const now = () => performance.timeOrigin + performance.now();

// `sh -c 'ulimit -n …; exec node …'`: the limit goes as high as allowed
const raiseFileLimit = `ulimit -n ${WANTED_FILES} 2>/dev/null || ulimit -n "$(ulimit -Hn)"`;
const withFileLimit = (command: string[]) => ["-c", `${raiseFileLimit}; exec "$@"`, "sh", ...command];

// ---------------------------------------------------------------------------
// The client: opens the streams over raw sockets (an http.request each would
// cost more than the server's side), then records when each stream first
// shows each marker the parent names (`{"marker":"\"blr-01\":901001"}`, one
// line on stdin per stock change), and reports them all when asked.

type Plan = { host: string; port: number; count: number; everyone: string; others: string[] };

async function client() {
  const plan = JSON.parse(process.argv[3]!) as Plan;
  // seenAt: when the stream first showed each marker, 0 while it has not
  type Stream = { socket: Socket; status: number; framed: boolean; tail: string; seenAt: number[] };
  const streams: Stream[] = [];
  const markers: string[] = [];

  function open(streamPath: string): Promise<Stream> {
    return new Promise((resolve) => {
      const socket = connect(plan.port, plan.host);
      const stream: Stream = { socket, status: 0, framed: false, tail: "", seenAt: [] };
      const settle = () => {
        clearTimeout(timer);
        resolve(stream);
      };
      const timer = setTimeout(settle, MISSED_AFTER_MS);
      socket.on("connect", () => socket.write(`GET ${streamPath} HTTP/1.1\r\nHost: ${plan.host}\r\n\r\n`));
      socket.on("data", (chunk: Buffer) => {
        // the tail keeps a marker split across two reads findable
        const text = stream.tail + chunk.toString("latin1");
        stream.tail = text.slice(-32);
        if (stream.status === 0) stream.status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? -1);
        if (stream.status !== 200) return settle();
        if (!stream.framed && text.includes("event: stock")) {
          stream.framed = true;
          settle();
        }
        for (let m = 0; m < markers.length; m++) {
          if (!stream.seenAt[m] && text.includes(markers[m]!)) stream.seenAt[m] = now();
        }
      });
      socket.on("error", settle);
      socket.on("close", settle);
    });
  }

  // a few hundred connections at a time, as browsers arriving would
  const queue = streamPaths(plan);
  const workers = Array.from({ length: 200 }, async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) streams.push(await open(next));
  });
  await Promise.all(workers);
  const framed = streams.filter((s) => s.framed);
  const statuses: Record<string, number> = {};
  for (const s of streams) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  const report = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
  report({ ready: framed.length, statuses });

  for await (const line of createInterface({ input: process.stdin })) {
    const command = JSON.parse(line) as { marker?: string; collect?: true };
    if (command.marker !== undefined) {
      markers.push(command.marker);
      report({ watching: command.marker });
    } else if (command.collect) {
      report({ seenAt: markers.map((_, m) => framed.map((s) => s.seenAt[m] ?? 0)) });
    }
  }
}

// ---------------------------------------------------------------------------
// The parent: builds if needed, starts the server and the client, changes
// stock and reports.

function fileLimit(): number {
  const out = spawnSync("sh", withFileLimit(["sh", "-c", "ulimit -n"]), { encoding: "utf8" });
  return Number(out.stdout.trim());
}

async function startServer(buildDir: string, profileDir: string | undefined) {
  const dir = mkdtempSync(path.join(tmpdir(), "holdfast-live-"));
  const profile = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn("sh", withFileLimit([process.execPath, ...profile, path.join(buildDir, "server.js")]), {
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: "0",
      DATABASE_URL: `file:${path.join(dir, "live.db")}`,
      RATE_LIMIT_PER_MINUTE: "0",
      SESSION_SECRET: "bench-session-secret-0123456789",
      CRON_SECRET: "bench-cron-secret-0123456789",
      ADMIN_TOKEN,
      METRICS_PORT: "0",
      // every stream comes from 127.0.0.1
      MAX_LIVE_STREAMS: "1000000",
      MAX_LIVE_STREAMS_PER_CLIENT: "1000000",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await listeningUrl(child, "the server");
  return { url: new URL(url), child };
}

// the resident memory of the server, whose pid is the shell's it was exec'd into
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;

type ApiProduct = { id: string; stock: { warehouseId: string; total: number; reserved: number; sold: number }[] };

// Real pages watch what they show: a product page one product, the listing
// a dozen, a cart or a drop a few. Every stream watches `everyone`.
function streamPaths({ count, everyone, others }: Plan) {
  return Array.from({ length: count }, (_, i) => {
    const ids =
      i % 3 === 0
        ? [everyone]
        : i % 3 === 1
          ? [everyone, ...others.slice(0, 11)]
          : [everyone, others[i % others.length]!, others[(i * 7) % others.length]!];
    return `/stock/events?products=${[...new Set(ids)].join(",")}`;
  });
}

async function main() {
  const wanted = Number(process.env.BENCH_STREAMS ?? 10_000);
  const limit = fileLimit();
  // each stream is one descriptor in the client and one in the server
  const count = Math.min(wanted, limit - 200);
  console.log(`Open-file limit for the server and the client: ${limit} (asked for ${WANTED_FILES})`);
  if (count < wanted) console.log(`  NOT ENOUGH for ${wanted} streams: opening ${count} instead`);

  const buildDir = process.env.HOLDFAST_BUILD_DIR ?? "build";
  if (!existsSync(path.join(buildDir, "server.js"))) {
    console.log(`Building into ${buildDir}…`);
    execSync("npm run build", { stdio: "ignore" });
  }
  const profileDir = process.env.BENCH_CPU_PROF;
  const { url, child: server } = await startServer(buildDir, profileDir);
  const clients: ChildProcess[] = [];
  try {
    const { products } = (await (await fetch(new URL("/api/products?limit=50", url))).json()) as {
      products: ApiProduct[];
    };
    const [target, ...others] = products;
    const row = target!.stock[0]!;

    const plan: Plan = {
      host: url.hostname,
      port: Number(url.port),
      count,
      everyone: target!.id,
      others: others.map((p) => p.id),
    };
    console.log(`Opening ${count} streams on ${url.origin} (${new Set(streamPaths(plan)).size} product sets)…`);
    const opening = now();
    const client = spawn(
      "sh",
      withFileLimit([process.execPath, "--import", "tsx", "bench/live.ts", "client", JSON.stringify(plan)]),
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    clients.push(client);
    const lines = createInterface({ input: client.stdout! })[Symbol.asyncIterator]();
    const next = async <T>() => {
      const line = await lines.next();
      if (line.done) throw new Error("the client stopped");
      return JSON.parse(line.value as string) as T;
    };
    const tell = (command: object) => client.stdin!.write(`${JSON.stringify(command)}\n`);

    const opened = await next<{ ready: number; statuses: Record<string, number> }>();
    console.log(
      `  ${opened.ready} streams had their first frame after ${((now() - opening) / 1000).toFixed(1)} s ` +
        `(answers: ${Object.entries(opened.statuses)
          .map(([status, n]) => `${n} × ${status}`)
          .join(", ")})`,
    );
    const rssBefore = rssMb(server.pid!);

    // Each change sets the row's total to a number no other count on the
    // page has, so the first frame whose data shows it is the change's.
    const changedAt: number[] = [];
    const window = { from: process.hrtime.bigint() / 1000n, to: 0n };
    for (let change = 1; change <= CHANGES; change++) {
      if (change > 1) await new Promise((resolve) => setTimeout(resolve, CHANGE_EVERY_MS));
      const total = 900_000 + change * 1001;
      tell({ marker: `"${row.warehouseId}":${total - row.reserved - row.sold}` });
      await next();
      const response = await fetch(new URL("/api/admin/stock", url), {
        method: "POST",
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ productId: target!.id, warehouseId: row.warehouseId, total, reason: "received" }),
      });
      changedAt.push(now());
      if (response.status !== 200) throw new Error(`restock answered ${response.status}: ${await response.text()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, MISSED_AFTER_MS));
    window.to = process.hrtime.bigint() / 1000n;
    const rssAfter = rssMb(server.pid!);
    tell({ collect: true });
    const { seenAt } = await next<{ seenAt: number[][] }>();
    const delays: number[] = [];
    let missed = 0;
    seenAt.forEach((streams, change) => {
      const late = streams.filter((t) => t === 0 || t - changedAt[change]! > MISSED_AFTER_MS).length;
      missed += late;
      for (const t of streams) if (t !== 0) delays.push(t - changedAt[change]!);
      console.log(`  change ${change + 1}: ${streams.length - late}/${streams.length} streams showed it in time`);
    });
    if (profileDir) console.log(`  delivery phase, monotonic µs: ${window.from}–${window.to}`);

    delays.sort((a, b) => a - b);
    const ms = (value: number) => `${Math.round(value)} ms`;
    console.log(`\nMachine: ${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length} cores, Node ${process.version}`);
    console.table({
      streams: { value: opened.ready },
      "RSS before changes": { value: `${Math.round(rssBefore)} MB` },
      "RSS after changes": { value: `${Math.round(rssAfter)} MB` },
      "delivery p50": { value: ms(percentile(delays, 50)) },
      "delivery p99": { value: ms(percentile(delays, 99)) },
      "delivery max": { value: ms(delays.at(-1) ?? NaN) },
      [`missed (of ${CHANGES} × ${opened.ready})`]: { value: missed },
    });
    if (missed > 0 || opened.ready < count) process.exitCode = 1;
  } finally {
    for (const c of clients) c.kill();
    // a profile is written as the server exits
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
}

if (process.argv[2] === "client") await client();
else await main();
