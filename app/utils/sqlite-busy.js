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
