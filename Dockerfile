# Folkmoot: Node 24 runs the TypeScript sources directly (type stripping), so
# there is no build step. The image needs src/, migrations/, bin/, package.json
# and the production node_modules; the `node` devDependency is not needed here
# because the base image is Node 24 already.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim
WORKDIR /app

# A fixed uid/gid, so a bind-mounted data directory can be chowned to 10001:10001.
RUN groupadd --system --gid 10001 folkmoot \
 && useradd --system --uid 10001 --gid folkmoot --home-dir /app --no-create-home --shell /usr/sbin/nologin folkmoot \
 && mkdir -p /data \
 && chown folkmoot:folkmoot /data

# Application files stay owned by root: the server cannot change its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY src ./src
COPY scripts/node-flags.ts scripts/compile-cache.ts ./scripts/

# Node's compile cache of the sources (src/main.ts), filled by one start of a throwaway
# instance as the user the server runs as (Node keeps a cache per user id), then made
# root's and read-only like the code: a new instance's first start skips compiling.
RUN install -d -o folkmoot -g folkmoot -m 0700 node_modules/.cache/folkmoot-compile-cache
USER folkmoot
RUN node scripts/compile-cache.ts
USER root
RUN chown -R root:root node_modules/.cache/folkmoot-compile-cache \
 && chmod -R u=rwX,go=rX node_modules/.cache/folkmoot-compile-cache

# DATA_DIR holds the embedded database (PGlite) and the CLI's admin socket.
# With DATABASE_URL set it is unused. Set PUBLIC_ORIGIN when you run the image.
ENV DATA_DIR=/data HOST=0.0.0.0 PORT=3000

USER folkmoot
VOLUME /data
EXPOSE 3000

# A worker (ROLE=worker) serves no HTTP: it is healthy while its process runs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "if (process.env.ROLE === 'worker') process.exit(0); fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# SIGTERM stops the server gracefully (up to 30 s); give `docker stop` time: -t 35.
STOPSIGNAL SIGTERM
# The Node options are npm start's (package.json; a test keeps the three places equal):
# a 4 MiB young generation, docs/configuration.md. Override the CMD to change them.
CMD ["node", "--max-semi-space-size=4", "src/main.ts"]
