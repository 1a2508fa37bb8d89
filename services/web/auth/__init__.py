"""Accounts: registration, login (JSON or the OAuth2 password form), tokens, the current user, login rate limits.

Passwords are argon2 hashes computed off the event loop; tokens are HS256 JWTs signed with the settings' secret.
"""
