# Holdfast on Fly.io. Every command here is one `npm test` runs too:
# npm ci, npm run build, node build/server.js (and npm run sweep).

# 1. Build with every dependency.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# 2. Production dependencies only: no tsx, vite or vitest in the image.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

# 3. What runs: the bundles, the migrations (applied at start, because Fly's
#    release machine has no volume) and the production node_modules.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    DATABASE_URL=file:/data/holdfast.db
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/build ./build
COPY package.json package-lock.json ./
COPY db/migrations ./db/migrations
COPY scripts/ensure-build.mjs scripts/docker-entrypoint.sh ./scripts/
# The container starts as root only so the entrypoint can hand the volume
# (mounted root-owned at /data) to the `node` user; it then drops to that
# user before the app starts. Nothing of the app runs as root.
RUN mkdir -p /data && chown node:node /data
EXPOSE 3000
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
# the same start as `npm start` (whose prestart only builds when there is
# no build; the image has one)
CMD ["node", "build/server.js"]
