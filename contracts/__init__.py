"""The shared vocabulary of PickVs: events that cross SQS, market/selection/status enums, pure grading and odds math.

Everything here is pure: no I/O, no settings, no database. Every service imports from here; nothing here imports a
service.
"""
