# syntax=docker/dockerfile:1
# Sluice's container image: builds with Docker (BuildKit), Podman and Buildah. See docs/deploy.md.
#
#   docker build -t sluice .
#   docker run -p 8422:8422 -v sluice-data:/data -e SLUICE_ADMIN_KEY=… sluice
#
# NODE_IMAGE is any Debian-based image with Node in /usr/local (the official `node:*-slim` images, or the
# one deploy/podman/build-node-base.sh builds where no registry can be reached). On Node 22 and newer
# Sluice runs on better-sqlite3 13, whose npm package ships prebuilt binaries: nothing compiles. On Node 20
# the deps stage compiles better-sqlite3 12 with Debian's python3, make and g++ (a few minutes more).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: dev dependencies, TypeScript, the dashboard bundle ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Where the registry is reached through a TLS-inspecting proxy, pass its CA bundle as a build secret
# (`--secret id=npm_ca,src="$(npm config get cafile)"`): it is mounted for this step only and never lands
# in a layer. npm's cache is a cache mount, so a rebuild downloads nothing it already has.
# No install scripts and no optional packages: the coding agents' platform binaries (half a gigabyte) are
# dev-only optional packages this stage never runs; esbuild's one platform binary is installed beside.
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    --mount=type=secret,id=npm_ca,required=false \
    set -eu; \
    if [ -s /run/secrets/npm_ca ]; then export npm_config_cafile=/run/secrets/npm_ca; fi; \
    npm ci --ignore-scripts --omit=optional --no-audit --no-fund; \
    esbuild_version="$(node -p "require('esbuild/package.json').version")"; \
    npm install --prefix /opt/esbuild --no-save --no-package-lock --no-audit --no-fund \
      "@esbuild/$(node -p 'process.platform + "-" + process.arch')@${esbuild_version}"
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY bench ./bench
COPY dashboard ./dashboard
RUN set -eu; \
    npx tsc -p tsconfig.build.json; \
    ESBUILD_BINARY_PATH="$(find /opt/esbuild/node_modules/@esbuild -path '*/bin/esbuild' -print -quit)" \
      node scripts/build-dashboard.mjs

# ---- deps: production dependencies only ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts are skipped: the only one is better-sqlite3 12's build, the driver of Node 20, which this
# image does not run. A base older than Node 22 gets it compiled instead (python3, make, g++ and the
# base's own Node headers), as docs/development.md, "Node and the SQLite driver", describes.
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    --mount=type=secret,id=npm_ca,required=false \
    set -eu; \
    if [ -s /run/secrets/npm_ca ]; then export npm_config_cafile=/run/secrets/npm_ca; fi; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund; \
    if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then \
      apt-get update && apt-get install -y --no-install-recommends python3 make g++; \
      npm_config_nodedir=/usr/local npm rebuild better-sqlite3; \
    else \
      rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src; \
    fi; \
    # What no running gateway reads: the SQLite sources, other platforms' prebuilt drivers, type
    # declarations and source maps (a third of the image's JavaScript weight).
    rm -rf node_modules/better-sqlite3-node22/deps node_modules/better-sqlite3-node22/src; \
    platform="$(node -p 'process.platform')"; arch="$(node -p 'process.arch')"; \
    find node_modules/better-sqlite3-node22/prebuilds -name '*.node' ! -name "${platform}-${arch}.node" ! -name "${platform}musl-${arch}.node" -delete 2>/dev/null || true; \
    find node_modules \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -type f -delete; \
    node -e "const { createRequire } = require('node:module'); const r = createRequire('/app/'); \
      const Database = r(Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3-node22' : 'better-sqlite3'); \
      new Database(':memory:').close()"

# ---- the runtime's base: Node without npm, corepack, yarn or C headers ----
FROM ${NODE_IMAGE} AS node-runtime
# A fixed, unprivileged uid/gid: Kubernetes' runAsNonRoot checks a number, and volumes can be chowned to it.
RUN set -eu; \
    rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* /usr/local/include/node /root/.npm /tmp/*; \
    groupadd --system --gid 10001 sluice; \
    useradd --system --uid 10001 --gid sluice --home-dir /data --no-create-home --shell /usr/sbin/nologin sluice 2>/dev/null; \
    mkdir -p /data; \
    chown sluice:sluice /data; \
    chmod 0700 /data

# ---- runtime ----
# One layer copied from the stage above, so what it removed is not in the image at all (≈ 25 MB).
FROM scratch AS runtime
COPY --from=node-runtime / /
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/dist/dashboard ./dist/dashboard
COPY package.json ./
RUN chmod 0755 dist/src/cli/main.js && ln -s /app/dist/src/cli/main.js /usr/local/bin/sluice
# SQLite, the usage spool and master.key live in /data. Every setting a deployment needs has a variable:
# SLUICE_DATABASE_URL, SLUICE_REDIS_URL, SLUICE_MASTER_KEY, SLUICE_ADMIN_KEY, SLUICE_METRICS_KEY, the
# providers' *_API_KEY, and SLUICE_CONFIG for a mounted sluice.yaml with the rest.
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production \
    HOME=/data \
    SLUICE_DATA_DIR=/data \
    SLUICE_LOG_FORMAT=json
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8422
# The stop handler (SIGTERM) answers what was received and flushes every usage row; streams get 10 s.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SLUICE_PORT || 8422) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# No ENTRYPOINT: `docker run IMAGE sluice keys generate` runs that command instead.
CMD ["sluice", "serve", "--host", "0.0.0.0"]
