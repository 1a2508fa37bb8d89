#!/bin/sh
# The production web server, one command for the Docker image, Render and docker compose:
#   granian (ASGI, uvloop) with WEB_CONCURRENCY workers (2 by default) on 0.0.0.0:$PORT (8000 by default).
# Chosen on `make bench`'s measurements against uvicorn with 1 and 2 workers (docs/performance.md).
# The client address (the login rate limit's per-client key) is read by the app itself from X-Forwarded-For, only when
# the connection comes from a peer in PICKVS_TRUSTED_PROXIES (comma-separated addresses or networks, e.g. Render's
# 10.0.0.0/8), taking the right-most address that is not a trusted proxy, so a client cannot choose its own by sending
# the header; granian hands the app the TCP peer and never rewrites it. Unset or empty: the peer is the client.
set -eu
exec granian --interface asgi --factory --host 0.0.0.0 --port "${PORT:-8000}" \
  --workers "${WEB_CONCURRENCY:-2}" --loop uvloop --no-ws --workers-kill-timeout 20 "$@" \
  services.web.main:create_app
