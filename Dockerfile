# Sundial: build once, run `node --v8-pool-size=1 dist/main` with production dependencies only,
# as a non-root user.
#   docker build -t sundial .
#   docker run -p 3000:3000 -e API_KEYS='ci:writer:<sha256>' -v sundial-data:/data sundial
# The code runs on Node.js >= 20.19; the image uses a current LTS line.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: all dependencies, compile to dist/
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY scripts ./scripts
COPY migrations ./migrations
COPY src ./src
RUN npm run build

# ---- production dependencies only
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional too: typescript, ts-node, @swc/core and @types/node are optional peers that
# --omit=dev alone still installs (~40 MB).
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scripts/apikey.js ./scripts/apikey.js
# The embedded database (used when DATABASE_URL is unset) lives in /data, owned by the runtime user
# and group 0 with the owner's rights, so an arbitrary uid in group 0 (OpenShift) can use it too.
RUN mkdir -p /data && chown node:0 /data && chmod g=u /data
USER node
VOLUME /data
EXPOSE 3000
# No curl in the slim image: Node's own fetch asks /health/ready (database up, migrations applied).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM: stop accepting requests, finish those in flight (SHUTDOWN_TIMEOUT), close the database;
# the process exits within 10 s.
STOPSIGNAL SIGTERM
CMD ["node", "--v8-pool-size=1", "dist/main"]
