// Bundles server.ts (and the app modules it shares) into build/server.js.
// Packages stay external: the image installs them with npm ci.
import { build } from "esbuild";

await build({
  entryPoints: ["server.ts"],
  outfile: `${process.env.HOLDFAST_BUILD_DIR ?? "build"}/server.js`,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  alias: { "~": "./app" },
  logLevel: "warning",
});
