"""Liveness and dependency health."""
