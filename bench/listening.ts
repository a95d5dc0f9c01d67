import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";

// A port nothing on 127.0.0.1 listens on now, for a server that cannot be
// told to pick its own (PostgreSQL, Holdfast's metrics).
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

// The address a server started by a benchmark listens on, once it prints
// "listening on http://…" (Holdfast's JSON line or the baselines' plain
// one; in JSON the address ends at its closing quote). Its later output is
// read and dropped: printed to the terminal it would cost the server as
// much as the work measured. Rejects with what it printed if it exits first.
export function listeningUrl(child: ChildProcess, what: string): Promise<string> {
  const stdout = child.stdout;
  if (!stdout) return Promise.reject(new Error(`${what}: its output must be piped`));
  return new Promise((resolve, reject) => {
    let output = "";
    stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        stdout.removeAllListeners("data");
        stdout.resume();
        resolve(match[1]!.replace("localhost", "127.0.0.1"));
      }
    });
    child.on("exit", (code) => reject(new Error(`${what} exited (${code}):\n${output}`)));
  });
}
