# cartflow: one image for `npm run migrate`, `npm run worker` and `npm run server` (see
# docker-compose.yml). No build step: the TypeScript runs through tsx, a runtime dependency.
# Debian (glibc) rather than Alpine: Temporal's native core-bridge ships glibc binaries.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false

WORKDIR /app

# Dependencies first, so this layer is reused until package*.json change. Dev dependencies
# (typescript, vitest, drizzle-kit...) are not needed to run.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .

# Source stays root-owned and read-only to the app; tsx caches its output under /tmp.
USER node

EXPOSE 3000
CMD ["npm", "run", "worker"]
