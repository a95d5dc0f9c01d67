// @ts-check
// Plain JavaScript: shared by db.server.ts and the writer thread, which
// cannot load TypeScript (see db-writer.worker.js).
import { LibsqlError } from "@libsql/client";

// Busy codes arrive as SQLITE_BUSY or one of its extended forms
// (SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_RECOVERY …), and a BEGIN IMMEDIATE that
// lost to another process can also surface as SQLITE_LOCKED.
/** @param {unknown} error */
export function isBusyError(error) {
  if (!(error instanceof LibsqlError)) return false;
  const codes = [error.code, error.extendedCode ?? ""];
  return codes.some((c) => c.startsWith("SQLITE_BUSY") || c.startsWith("SQLITE_LOCKED"));
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs one write transaction, and again with jittered backoff while somebody
 * else holds the write lock, for at most `budgetMs`.
 * @template T
 * @param {{
 *   write: () => Promise<T> | T;
 *   budgetMs: number;
 *   beforeRetry?: () => void;
 * }} input
 * @returns {Promise<T>}
 */
export async function withBusyRetry({ write, budgetMs, beforeRetry }) {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isBusyError(error) || Date.now() >= deadline) throw error;
      beforeRetry?.();
      const backoff = Math.min(200, 5 * 2 ** Math.min(attempt, 6));
      await sleep(backoff / 2 + Math.random() * backoff);
    }
  }
}
