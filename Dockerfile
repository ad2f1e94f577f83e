# Build: full install (npm ci runs the TypeScript build through `prepare`), then drop dev dependencies.
# `npm run check:production` (run by CI) proves that this pruned install starts the service and the CLI.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
COPY assets ./assets
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

# Run: only the compiled service, its production dependencies and the CLI, as an unprivileged user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000 DATA_DIR=/app/data KEYS_DIR=/app/keys
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/assets ./assets
RUN install -d -m 0700 -o node -g node /app/data /app/keys && ln -s /app/bin/idp.js /usr/local/bin/idp
USER node
VOLUME ["/app/data", "/app/keys"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
# The same V8 flags as `npm start` (package.json): a 4 MB young generation, and an old generation that grows
# by at most its live size after each full collection, keep the resident set small (README, "Performance").
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=100", "dist/main.js"]
