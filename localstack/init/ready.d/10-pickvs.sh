#!/bin/sh
# LocalStack runs this once it is ready: PickVs's queues, rules and (where it can run Lambda) functions, as on AWS.
# docker-compose.yml mounts the repository at /opt/pickvs; the hook runs as a file with LocalStack's own Python.
set -e
PY=/opt/code/localstack/.venv/bin/python
[ -x "$PY" ] || PY=python3
exec "$PY" /opt/pickvs/localstack/hook.py --endpoint-url http://localhost:4566 \
  --schedules /opt/pickvs/services/fetcher/schedules.py --build-dir /opt/pickvs/build/lambda \
  ${PICKVS_LOCALSTACK_SCHEDULE:+--schedule-expression "$PICKVS_LOCALSTACK_SCHEDULE"}
