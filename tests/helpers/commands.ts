import { spawn } from "node:child_process";
import path from "node:path";

export type CommandResult = { code: number | null; stdout: string; stderr: string };

// Runs a command to its end and collects what it printed.
function runCommand(command: string, args: string[], env: Record<string, string>): Promise<CommandResult> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

// `npm run sweep`, exactly as a Fly scheduled machine runs it. Only the
// variables given here reach it: nothing from the developer's shell decides
// which mode it picks.
export function npmRunSweep(env: Record<string, string>): Promise<CommandResult> {
  return runCommand("npm", ["run", "--silent", "sweep"], { ...sweepEnvReset, ...env });
}

// The bundled command itself, without npm's start-up time, for races where
// two processes should overlap as much as possible.
export function nodeSweep(env: Record<string, string>): Promise<CommandResult> {
  const bundle = path.resolve(process.env.HOLDFAST_BUILD_DIR ?? "build", "sweep.js");
  return runCommand(process.execPath, [bundle], { ...sweepEnvReset, ...env });
}

const sweepEnvReset = {
  NODE_ENV: "development",
  DATABASE_URL: "",
  DATABASE_AUTH_TOKEN: "",
  DATABASE_SYNC_URL: "",
  SWEEP_URL: "",
  CRON_SECRET: "",
};

export function expiredCount(result: CommandResult): number {
  const match = /Expired (\d+) holds?/.exec(result.stdout);
  if (!match) throw new Error(`no count in the sweep's output: ${result.stdout}${result.stderr}`);
  return Number(match[1]);
}
