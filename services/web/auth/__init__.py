"""Accounts: registration, login (JSON or the OAuth2 password form), tokens, the current user, and their limits.

Passwords are argon2 hashes computed in worker threads with no database connection held, bounded per core with a short
queue (`security.py`); the password policy and its common-password list are in `passwords.py`; emails have one normal
form (`normalize.py`); login and sign-up throttles live in PostgreSQL (`service.py`, docs/auth-limits.md). Tokens are
HS256 JWTs signed with the settings' secret.
"""
