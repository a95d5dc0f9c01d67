// `npm start` right after `npm install` must work: build once if there is
// no build yet. (After changing the code, `npm run build` rebuilds.)
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync("build/server.js") || !existsSync("build/server/index.js")) {
  console.log("No build yet: building the app once (npm run build)…");
  execSync("npm run build", { stdio: "inherit" });
}
