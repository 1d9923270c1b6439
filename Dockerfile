ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles from source when no prebuilt binary matches the platform.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# The worker bundles workflows/ and libs/ from source when it starts, so the runtime image keeps
# the source tree next to dist/ and the production node_modules.
COPY --from=build /app ./
RUN mkdir -p .data && chown node:node .data
USER node
EXPOSE 3000
CMD ["node", "dist/apps/api/src/main.js"]
