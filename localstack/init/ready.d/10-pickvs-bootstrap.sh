#!/bin/sh
# LocalStack runs this once it is ready: create the same queues the dev runner and the tests create.
set -e
PY=/opt/code/localstack/.venv/bin/python
[ -x "$PY" ] || PY=python3
exec "$PY" /opt/pickvs/localstack/bootstrap.py --endpoint-url http://localhost:4566
