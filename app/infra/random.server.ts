import { randomFillSync } from "node:crypto";

// Random bytes for hold tokens and ids, drawn from a pool that is refilled
// 4 KB at a time: under load, asking the system's generator twice for every
// hold took 4 % of the main thread. Node pools randomUUID's bytes the same
// way. Every byte is handed out once, and never leaves this module otherwise.
const pool = Buffer.alloc(4096);
let used = pool.length;

export function randomBytesFromPool(size: number): Buffer {
  if (used + size > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  // a copy: the pool is refilled in place
  const bytes = Buffer.from(pool.subarray(used, used + size));
  used += size;
  return bytes;
}
