# syntax=docker/dockerfile:1
# PickVs images, one Dockerfile, several targets:
#   web (the default, last): the FastAPI service, production dependencies only, non-root, /healthz checked,
#       started by infra/serve-web.sh (uvicorn, WEB_CONCURRENCY workers, trusted proxies from PICKVS_TRUSTED_PROXIES);
#   app: the React app built by Vite and served by unprivileged nginx, which also forwards the API paths to the web
#       service so the browser sees one origin (docker-compose.yml);
#   odds-simulator: the dev Odds API simulator, so docker compose never spends real credits.
# Render builds the web target; docs/deploy.md and docs/local-cloud.md say how each is used.

FROM python:3.11-slim-bookworm AS web-build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml constraints.txt ./
COPY contracts ./contracts
COPY schema ./schema
COPY pickvs ./pickvs
COPY services ./services
# Production dependencies only (no dev extra); devstack/, localstack/ and infra/ are not copied, so not installed.
RUN /opt/venv/bin/pip install --no-cache-dir -c constraints.txt .

FROM node:20-bookworm-slim AS app-build
WORKDIR /app
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
# The API's public URL, baked in at build time; empty means the app's own origin (nginx forwards the API paths).
ARG VITE_API_BASE_URL=""
ENV VITE_API_BASE_URL=${VITE_API_BASE_URL}
RUN npm run build

FROM nginxinc/nginx-unprivileged:1.27-alpine AS app
# Where nginx forwards /api, /auth and /healthz (the image renders templates/*.template with the environment).
ENV PICKVS_API_UPSTREAM=web:8000
COPY infra/app-nginx.conf.template /etc/nginx/templates/default.conf.template
COPY --from=app-build /app/dist /usr/share/nginx/html
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --retries=3 CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]

FROM python:3.11-slim-bookworm AS odds-simulator
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONPATH=/srv
RUN useradd --system --uid 10001 --no-create-home pickvs
COPY --from=web-build /opt/venv /opt/venv
COPY devstack/__init__.py /srv/devstack/__init__.py
COPY devstack/odds_simulator /srv/devstack/odds_simulator
USER 10001
EXPOSE 8765
CMD ["python", "-m", "devstack.odds_simulator", "--host", "0.0.0.0", "--port", "8765", "--demo"]

FROM python:3.11-slim-bookworm AS web
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PICKVS_ENV=prod PORT=8000
RUN useradd --system --uid 10001 --no-create-home pickvs
COPY --from=web-build /opt/venv /opt/venv
COPY infra/serve-web.sh /usr/local/bin/serve-web
WORKDIR /srv
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
CMD ["serve-web"]
