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
 * One write transaction (`BEGIN IMMEDIATE … COMMIT`), retried with jittered
 * backoff while somebody else holds the write lock, for at most `budgetMs`.
 * @param {{
 *   client: import("@libsql/client").Client;
 *   statements: import("@libsql/client").InStatement[];
 *   budgetMs: number;
 *   reconnect: boolean;
 * }} input `reconnect`: start each retry on a fresh connection (a
 *   connection of its own, not one shared with readers)
 */
export async function batchWithBusyRetry({ client, statements, budgetMs, reconnect }) {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.batch(statements, "write");
    } catch (error) {
      if (!isBusyError(error) || Date.now() >= deadline) throw error;
      // A statement that failed with SQLITE_BUSY can leave its connection
      // unable to commit (libsql-client-ts#352).
      if (reconnect) client.reconnect();
      const backoff = Math.min(200, 5 * 2 ** Math.min(attempt, 6));
      await sleep(backoff / 2 + Math.random() * backoff);
    }
  }
}
