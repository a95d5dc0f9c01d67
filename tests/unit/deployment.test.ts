import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";

// No Docker engine and no flyctl exist here, so the image is never built in
// these tests. What they pin down instead: the Dockerfile runs only
// commands `npm test` runs too, the bundles it ships need nothing but
// production dependencies, and the entrypoint really drops root.

const read = (file: string) => readFileSync(file, "utf8");
const packageJson = JSON.parse(read("package.json")) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");

  test("runs only npm ci, npm run build and a chown of the volume's mount point", () => {
    const runs = [...dockerfile.matchAll(/^RUN (.+)$/gm)].map((m) => m[1]);
    expect(runs).toEqual(["npm ci", "npm run build", "npm ci --omit=dev", "mkdir -p /data && chown node:node /data"]);
  });

  test("starts the way npm start does, in production, on an official Node 20 image", () => {
    expect(dockerfile).toContain('CMD ["node", "build/server.js"]');
    expect(packageJson.scripts.start).toBe("node build/server.js");
    expect([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1])).toEqual([
      "node:20-bookworm-slim",
      "node:20-bookworm-slim",
      "node:20-bookworm-slim",
    ]);
    expect(dockerfile).toMatch(/ENV NODE_ENV=production/);
  });

  test("the bundles import only production dependencies (the image has no others)", () => {
    const dir = process.env.HOLDFAST_BUILD_DIR ?? "build";
    const builtins = new Set(builtinModules);
    for (const bundle of ["server.js", "sweep.js", "server/index.js"]) {
      const code = read(path.join(dir, bundle));
      const specifiers = [...code.matchAll(/^import\s[^;]*?from\s*"([^"]+)"/gms)].map((m) => m[1]!);
      const packages = specifiers
        .filter((s) => !s.startsWith(".") && !s.startsWith("node:") && !builtins.has(s))
        .map((s) => (s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]!));
      expect(packages.length).toBeGreaterThan(0);
      for (const name of packages) expect(packageJson.dependencies, `${bundle} imports ${name}`).toHaveProperty([name]);
    }
  });
});

describe("docker-entrypoint.sh", () => {
  const isRoot = process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");

  test.skipIf(!isRoot)("hands the database directory to uid 1000 and runs the command without root", () => {
    const parent = mkdtempSync(path.join(tmpdir(), "holdfast-entry-"));
    chmodSync(parent, 0o755); // as on an image, where / is world-readable
    const dir = path.join(parent, "data");
    const output = execFileSync(
      "scripts/docker-entrypoint.sh",
      [
        process.execPath,
        "-e",
        `require("fs").writeFileSync(${JSON.stringify(`${dir}/probe`)}, "x"); console.log(process.getuid())`,
      ],
      { env: { ...process.env, DATABASE_URL: `file:${dir}/holdfast.db` }, encoding: "utf8" },
    );
    expect(output.trim()).toBe("1000");
    expect(statSync(dir).uid).toBe(1000);
    expect(statSync(`${dir}/probe`).uid).toBe(1000);
  });
});

describe("fly.toml and the scheduled sweeper", () => {
  const fly = read("fly.toml");

  test("serves on the app's port behind HTTPS, checks /api/health, keeps machines running", () => {
    expect(fly).toMatch(/\[http_service\][^[]*internal_port = 3000/);
    expect(fly).toMatch(/force_https = true/);
    expect(fly).toMatch(/auto_stop_machines = "off"/);
    expect(fly).toMatch(/min_machines_running = 1/);
    expect(fly).toMatch(/\[http_service\.concurrency\]\s+type = "connections"/);
    expect(fly).toMatch(/\[\[http_service\.checks\]\][^[]*path = "\/api\/health"/);
    expect(fly).toMatch(/\[mounts\][^[]*destination = "\/data"/);
    expect(fly).toMatch(/DATABASE_URL = "file:\/data\/holdfast\.db"/);
    expect(fly).not.toMatch(/^\s*release_command/m);
    // behind Fly's proxy, and only there, its headers name the client
    expect(fly).toMatch(/TRUST_PROXY = "true"/);
    expect(fly).toMatch(/\[metrics\]\s+port = 9091\s+path = "\/metrics"/);
  });

  test("the schedule script is valid bash and runs npm run sweep hourly against the app's private address", () => {
    const script = read("scripts/fly-schedule-sweeper.sh");
    expect(spawnSync("bash", ["-n", "scripts/fly-schedule-sweeper.sh"]).status).toBe(0);
    expect(script).toContain("--schedule hourly");
    expect(script).toContain('"$image" npm run sweep');
    expect(script).toContain("SWEEP_URL=http://$app.internal:3000/api/cron/expire-reservations");
    expect(packageJson.scripts.sweep).toContain("sweep.js");
  });
});
