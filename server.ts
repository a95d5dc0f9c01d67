// The production server: one short file, because Remix's own server cannot
// migrate before listening, run the sweeper or shut down gracefully.
import { fileURLToPath } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { startApp } from "./app/utils/app.server";
import { EnvError, parseEnv } from "./app/utils/env.server";

async function main() {
  const env = parseEnv(process.env, (message) => console.log(message));
  const running = await startApp({ env });
  const context = running.context;
  const app = express();
  app.disable("x-powered-by");

  const viteDevServer =
    process.env.HOLDFAST_DEV === "1"
      ? await import("vite").then((vite) => vite.createServer({ server: { middlewareMode: true } }))
      : undefined;
  if (viteDevServer) {
    app.use(viteDevServer.middlewares);
  } else {
    app.use("/assets", express.static(fromBuild("client/assets"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(fromBuild("client"), { maxAge: "1h" }));
  }

  const build = viteDevServer
    ? () => viteDevServer.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>
    : ((await import(/* @vite-ignore */ new URL("./server/index.js", import.meta.url).href)) as ServerBuild);
  app.all("*", createRequestHandler({ build, getLoadContext: () => ({ app: context }) }));

  const server = app.listen(env.PORT, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : env.PORT;
    console.log(`Holdfast listening on http://localhost:${port}`);
  });

  const shutdown = () => {
    server.close(() => {
      void running.stop().then(() => process.exit(0));
    });
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

// This file is bundled to <build>/server.js, beside Remix's own output; the
// Remix build is imported at run time so esbuild leaves it a separate module.
function fromBuild(relative: string) {
  return fileURLToPath(new URL(relative, import.meta.url));
}

main().catch((error: unknown) => {
  console.error(error instanceof EnvError ? error.message : error);
  process.exit(1);
});
