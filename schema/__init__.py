"""The database schema: ordered SQL migrations and the migrate command's logic (`pickvs db migrate`).

Business rules belong in the services; only constraints that keep data true (CHECK, UNIQUE, FK) live here.
"""
