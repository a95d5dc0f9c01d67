#!/bin/sh
# The image's entrypoint. A Fly volume is mounted owned by root, and the app
# runs as the unprivileged `node` user (uid 1000 in the official Node
# images): while still root, hand the database's directory to that user,
# then drop root for good and run the command (node build/server.js, or
# npm run sweep on the scheduled machine).
set -eu

case "${DATABASE_URL:-}" in
  file://*) database_dir=$(dirname "${DATABASE_URL#file://}") ;;
  file:*) database_dir=$(dirname "${DATABASE_URL#file:}") ;;
  *) database_dir="" ;;
esac

if [ "$(id -u)" = "0" ]; then
  if [ -n "$database_dir" ]; then
    mkdir -p "$database_dir"
    chown 1000:1000 "$database_dir"
  fi
  exec setpriv --reuid=1000 --regid=1000 --clear-groups -- "$@"
fi
exec "$@"
