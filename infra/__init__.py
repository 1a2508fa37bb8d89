"""Deployment as code: the SAM template (`template.yaml`), the Lambda packaging (`package.py`, `make package`) and
the production web server's start command (`serve-web.sh`). Dev and CI tooling: production code never imports it.

The template cannot import Python, so what it repeats from the code (schedules, queue names and attributes, handler
paths, event-source settings) is checked against the code by tests/infra.
"""
