// Bundles server.ts (and the app modules it shares) into build/server.js,
// the one-shot sweep into build/sweep.js, and the database writer thread
// that both start into build/db-writer.worker.js, beside them: the
// production image has no tsx, only node and the production dependencies.
// Packages stay external: the image installs them with npm ci.
import { build } from "esbuild";

await build({
  entryPoints: {
    server: "server.ts",
    sweep: "scripts/sweep.ts",
    "db-writer.worker": "app/infra/db/db-writer.worker.js",
  },
  outdir: process.env.HOLDFAST_BUILD_DIR ?? "build",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  alias: { "~": "./app" },
  logLevel: "warning",
});
