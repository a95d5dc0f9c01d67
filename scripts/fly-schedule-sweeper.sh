#!/usr/bin/env bash
# Creates the scheduled machine that runs `npm run sweep` every hour, from
# the app's current image. Fly schedules are set on a machine (not in
# fly.toml) and are hourly at the finest; hourly is enough because expiry
# never depends on sweeping (README.md, "Deploying to Fly.io").
#
# With the embedded database the file lives on the app machine's volume,
# so the sweeper calls the app's sweep endpoint over Fly's private network
# (6PN) with the cron secret. With a remote libSQL database (DATABASE_URL
# set as a secret on the app) pass --remote: the sweeper then sweeps the
# database itself and needs DATABASE_URL and DATABASE_AUTH_TOKEN in its
# environment.
#
# Usage: scripts/fly-schedule-sweeper.sh [--app NAME] [--remote]
# Needs: flyctl, logged in; CRON_SECRET in the environment (the same value
# as the app's secret), or DATABASE_URL/DATABASE_AUTH_TOKEN with --remote.
# Run it again after a deploy to move the sweeper to the new image.
set -euo pipefail

app=$(sed -n 's/^app = "\(.*\)"/\1/p' fly.toml)
remote=false
while [ $# -gt 0 ]; do
  case "$1" in
    --app) app="$2"; shift 2 ;;
    --remote) remote=true; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

machines=$(fly machine list --app "$app" --json)

# The image the app machine runs now (run this again after a deploy).
image=$(node -e '
  const machines = JSON.parse(process.argv[1]);
  const app = machines.find((m) => m.name !== "sweeper");
  if (!app) { console.error("no app machine yet: run fly deploy first"); process.exit(1); }
  process.stdout.write(app.config.image);
' "$machines")

# An earlier sweeper is replaced, not doubled.
for id in $(node -e '
  for (const m of JSON.parse(process.argv[1])) if (m.name === "sweeper") console.log(m.id);
' "$machines"); do
  fly machine destroy "$id" --app "$app" --force
done

if [ "$remote" = true ]; then
  : "${DATABASE_URL:?set DATABASE_URL (libsql://...) to sweep the remote database}"
  env_args=(--env "DATABASE_URL=$DATABASE_URL" --env "DATABASE_AUTH_TOKEN=${DATABASE_AUTH_TOKEN:-}")
else
  : "${CRON_SECRET:?set CRON_SECRET to the same value as the app secret}"
  env_args=(
    --env "SWEEP_URL=http://$app.internal:3000/api/cron/expire-reservations"
    --env "CRON_SECRET=$CRON_SECRET"
  )
fi

# 6PN: <app>.internal resolves to the app machines' private IPv6
# addresses, where the server listens on port 3000 (all interfaces).
fly machine run \
  --app "$app" \
  --name sweeper \
  --schedule hourly \
  --restart no \
  --region "$(sed -n 's/^primary_region = "\(.*\)"/\1/p' fly.toml)" \
  --vm-size shared-cpu-1x \
  --vm-memory 256 \
  "${env_args[@]}" \
  "$image" npm run sweep
