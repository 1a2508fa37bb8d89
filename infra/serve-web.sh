#!/bin/sh
# The production web server, one command for the Docker image, Render and docker compose:
#   uvicorn (uvloop, httptools) with WEB_CONCURRENCY workers (2 by default) on 0.0.0.0:$PORT (8000 by default).
# Chosen on `make bench`'s measurements against granian with 1 and 2 workers (docs/decisions.md, docs/performance.md).
# The client address (the login rate limit's per-client key) is read by the app itself from X-Forwarded-For, only when
# the connection comes from a peer in PICKVS_TRUSTED_PROXIES (comma-separated addresses or networks, e.g. Render's
# 10.0.0.0/8), taking the right-most address that is not a trusted proxy, so a client cannot choose its own by sending
# the header; --no-proxy-headers keeps uvicorn from rewriting the TCP peer itself (by default it trusts 127.0.0.1).
# Unset or empty: the peer is the client.
set -eu
exec uvicorn services.web.main:create_app --factory --host 0.0.0.0 --port "${PORT:-8000}" \
  --workers "${WEB_CONCURRENCY:-2}" --loop uvloop --http httptools --ws none --no-proxy-headers --no-server-header \
  --timeout-graceful-shutdown 20 "$@"
