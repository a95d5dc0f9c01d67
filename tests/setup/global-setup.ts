import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// One scratch folder per run for the test databases; each test makes its own
// file in it, so no two tests ever share state.
export default function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), "holdfast-test-"));
  process.env.HOLDFAST_TEST_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
