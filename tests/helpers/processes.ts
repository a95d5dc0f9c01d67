import { spawn } from "node:child_process";
import path from "node:path";

const tsx = path.resolve("node_modules/.bin/tsx");

export type Running = { output: Promise<string>; firstLine: Promise<string> };

// Runs a TypeScript helper in its own Node process.
export function runScript(script: string, args: string[]): Running {
  const child = spawn(tsx, [path.resolve(script), ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let resolveFirst: (line: string) => void = () => {};
  const firstLine = new Promise<string>((r) => (resolveFirst = r));
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes("\n")) resolveFirst(stdout.split("\n")[0]!);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const output = new Promise<string>((resolve, reject) => {
    child.on("close", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${script} exited ${code}: ${stderr}`)),
    );
  });
  return { output, firstLine };
}
