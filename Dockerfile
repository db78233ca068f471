# Veil relay image: the relay (TypeScript run through tsx), its workspace packages and the PWA.
# Untested: no container runtime was available where this was written (docs/self-hosting.md).
#
#   docker build -t veil-relay .
#   docker run -d -p 8080:8080 -v veil-data:/data -e VEIL_ORIGIN=https://veil.example.org veil-relay

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
RUN npm install --global pnpm@10
WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile
# Builds the PWA into web/build (the relay serves it).
RUN pnpm --recursive --if-present run build
# Keep only what the relay needs at run time.
RUN rm -rf node_modules packages/*/node_modules relay/node_modules web/node_modules \
      e2e/node_modules bench/node_modules \
 && pnpm install --frozen-lockfile --prod --filter "@veil/relay..."

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    VEIL_HOST=0.0.0.0 \
    VEIL_PORT=8080 \
    VEIL_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app /app
RUN groupadd --system veil \
 && useradd --system --gid veil --home-dir /data --shell /usr/sbin/nologin veil \
 && mkdir -p /data \
 && chown veil:veil /data \
 && chmod 700 /data
USER veil
VOLUME ["/data"]
EXPOSE 8080
# Plain HTTP inside the container; with VEIL_TLS_CERT/VEIL_TLS_KEY set, change this to https.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.VEIL_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "relay/bin/veil-relay.js"]
CMD ["serve"]
