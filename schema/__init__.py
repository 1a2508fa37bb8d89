"""The database schema: ordered SQL migrations, the migrate command's logic and the SQLModel mirror of the tables.

Business rules belong in the services; only constraints that keep data true (CHECK, UNIQUE, FK) live here.
"""
