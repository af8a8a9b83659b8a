# One image for every platform process; docker-compose.yml picks the command of each.
# The monitoring dashboard's chart library comes from the npm registry at build time (never a CDN at run time).
FROM node:22-slim AS dashboard-assets
WORKDIR /assets
COPY services/monitoring/dashboard/package.json services/monitoring/dashboard/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy PATH="/app/.venv/bin:$PATH"
WORKDIR /app
RUN pip install --no-cache-dir "uv>=0.5"
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY contracts ./contracts
COPY services ./services
COPY --from=dashboard-assets /assets/node_modules ./services/monitoring/dashboard/node_modules
COPY workflows ./workflows
COPY deploy ./deploy
RUN useradd --system --uid 10001 thamm && install -d -o thamm -m 0700 /data/documents
USER thamm
