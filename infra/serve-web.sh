#!/bin/sh
# The production web server, one command for the Docker image, Render and docker compose:
#   uvicorn with WEB_CONCURRENCY workers (uvicorn reads it; 2 by default) on 0.0.0.0:$PORT (8000 by default).
# The client address (the login rate limit's per-client key) comes from X-Forwarded-For only when the connection comes
# from a peer in PICKVS_TRUSTED_PROXIES (comma-separated addresses or networks, e.g. Render's 10.0.0.0/8); uvicorn
# then takes the right-most address that is not a trusted proxy, so a client cannot choose its own by sending the
# header. Unset or empty: the header is ignored and the peer is the client.
set -eu
export WEB_CONCURRENCY="${WEB_CONCURRENCY:-2}"
if [ -n "${PICKVS_TRUSTED_PROXIES:-}" ]; then
  set -- --proxy-headers --forwarded-allow-ips "$PICKVS_TRUSTED_PROXIES" "$@"
else
  set -- --no-proxy-headers "$@"
fi
exec uvicorn services.web.main:create_app --factory --host 0.0.0.0 --port "${PORT:-8000}" \
  --no-server-header --timeout-graceful-shutdown 20 "$@"
