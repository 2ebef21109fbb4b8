# syntax=docker/dockerfile:1

# ---- build: compile TypeScript and the native modules (argon2, better-sqlite3) ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Toolchain for node-gyp, used when no prebuilt binary matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
# tsconfig also includes test/, which is left out: the image compiles src/ only.
COPY tsconfig.json ./
COPY src ./src
# The build's last step (the breached-password digests) runs compiled code, which finds the
# project root as the folder holding package.json and migrations/.
COPY migrations ./migrations
RUN npm run build \
 && npm prune --omit=dev

# ---- runtime: only what `node dist/src/cli.js` needs ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# Process settings (src/config/process-settings.ts; measured in README's Performance section): one
# malloc arena, so buffers freed by libuv's threads (argon2's 19 MiB each) are reused rather than
# kept per thread, and a smaller young generation.
ENV MALLOC_ARENA_MAX=1 NODE_OPTIONS=--max-semi-space-size=8
WORKDIR /app
# The server finds its root as the folder holding package.json and migrations/,
# then reads views/ and public/ beside them: keep these four together in /app.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY views ./views
COPY public ./public
# `openpool` on PATH for the operator commands: docker compose exec openpool openpool keys rotate --pool <id>
RUN chmod 755 dist/src/cli.js && ln -s /app/dist/src/cli.js /usr/local/bin/openpool

# The SQLite database and, when OPENPOOL_SECRET_KEY is unset, the master key file
# (openpool.key beside the database) live in /data, the only writable place.
RUN mkdir -p /data && chown node:node /data
VOLUME /data

# HOST must not stay at its default (127.0.0.1) or nothing outside the container can connect.
ENV HOST=0.0.0.0 \
    PORT=9229 \
    DATABASE_URL=sqlite:/data/openpool.db

USER node
EXPOSE 9229

# Slim images have no curl or wget: ask node itself (Node 20 has fetch).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||9229)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

CMD ["node", "dist/src/cli.js"]
