import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import path from "node:path";

export type RunningServer = {
  url: string;
  logs: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
  process: ChildProcess;
};

// Starts the production build exactly as `npm start` does (node
// build/server.js) on a free port, and resolves once it is listening.
export function startServer(env: Record<string, string>): Promise<RunningServer> {
  const child = spawn(process.execPath, [path.resolve(process.env.HOLDFAST_BUILD_DIR ?? "build", "server.js")], {
    // no metrics port unless a test asks: servers run side by side
    env: { ...process.env, NODE_ENV: "production", PORT: "0", METRICS_PORT: "0", ...testSecrets, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[\w.:-]+)/.exec(output);
      if (match) {
        resolve({
          url: match[1]!.replace("localhost", "127.0.0.1"),
          logs: () => output,
          process: child,
          stop: (signal = "SIGTERM") => {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
  });
}

export const testSecrets = {
  SESSION_SECRET: "test-session-secret-0123456789",
  CRON_SECRET: "test-cron-secret-0123456789",
  ADMIN_TOKEN: "test-admin-token-0123456789",
};

// For tests about stock rather than fair use: every shopper in them is
// 127.0.0.1, so the per-address limits are off.
export const noClientLimits = {
  RATE_LIMIT_PER_MINUTE: "0",
  MAX_PENDING_HOLDS_PER_CLIENT: "0",
  MAX_PENDING_UNITS_PER_CLIENT: "0",
  MAX_PENDING_UNITS_PER_ADDRESS: "0",
};

// A port nobody listens on right now, for a second server of a test's own
// (the metrics port).
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
