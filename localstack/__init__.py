"""The idempotent SQS bootstrap (`bootstrap.py`) and LocalStack's init hook; see README.md here."""
