# cdn-etl as a container image: the CLI from compiled JavaScript, run as the unprivileged `node` user.
#   docker build -t cdn-etl .          docker run --rm cdn-etl --help
# docker-compose.yml builds it for the `migrate`, `worker` and `sync` services.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
# `npm ci` compiles TypeScript through the `prepare` script; dev dependencies are dropped afterwards.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/migrations ./migrations
# The Redis Lua scripts, read at run time (src/redis/redis-scripts.ts).
COPY --from=build /app/src/redis/lua ./src/redis/lua
USER node
# /metrics, /healthz of `worker` and `sync`.
EXPOSE 9464
ENTRYPOINT ["node", "bin/cdn-etl.js"]
CMD ["--help"]
