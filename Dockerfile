# durable-guard: one image for the worker, the approval API and the setup job
# (the command picks which: `docker run durable-guard worker`).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/lib ./lib
COPY policies ./policies
# The only directory the process writes to (DURABLE_GUARD_DATA_DIR defaults to .data).
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
ENTRYPOINT ["node", "lib/cli/main.js"]
CMD ["--help"]
