// `npm start` (and `npm run sweep`) right after `npm install` must work:
// build once if there is no build yet. (After changing the code, `npm run
// build` rebuilds.)
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";

const dir = process.env.HOLDFAST_BUILD_DIR ?? "build";
if (
  !["server.js", "sweep.js", "db-writer.worker.js", "server/index.js"].every((file) => existsSync(`${dir}/${file}`))
) {
  console.log("No build yet: building the app once (npm run build)…");
  execSync("npm run build", { stdio: "inherit" });
}
