"""Secrets read from AWS Secrets Manager by ARN, once, when a process builds its settings (a Lambda's cold start).

The deployment template never puts a secret in a function's environment: it sets `PICKVS_<FIELD>_SECRET_ARN`, and
`BaseAppSettings` fills `<field>` from that secret when `PICKVS_<FIELD>` itself is unset. Two shapes are understood:

- a database URL: either the URL itself, or the JSON that RDS and `AWS::SecretsManager::SecretTargetAttachment` keep
  (`username`, `password`, `host`, `port`, `dbname`), turned into a URL that requires TLS;
- anything else (an API key): the secret's text, or the one value of a one-key JSON object (what the console's
  key/value editor stores).

botocore is imported only when a secret is read, so a process configured by plain variables never pays for it.
The endpoint follows botocore's own `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL` (LocalStack, moto).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote


class SecretUnreadable(ValueError):
    """A secret could not be read or does not hold what its field needs."""


def region_of(arn: str) -> str:
    """Return the region an ARN names (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != "secretsmanager" or not parts[3]:
        raise SecretUnreadable(f"{arn!r} is not a Secrets Manager secret ARN")
    return parts[3]


def read_secret_string(arn: str) -> str:
    """Fetch a secret's current SecretString."""
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    client = botocore.session.get_session().create_client(
        "secretsmanager",
        region_name=region_of(arn),
        config=Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3}),
    )
    try:
        value = client.get_secret_value(SecretId=arn).get("SecretString")
    except (BotoCoreError, ClientError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SecretUnreadable(f"cannot read {arn}: {first}") from None
    finally:
        client.close()
    if not isinstance(value, str) or not value.strip():
        raise SecretUnreadable(f"{arn} holds no SecretString")
    return value.strip()


def _json_object(text: str) -> dict[str, Any] | None:
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def database_url_from(text: str) -> str:
    """Turn a database secret's text (a URL, or RDS's JSON) into a PostgreSQL URL."""
    fields = _json_object(text)
    if fields is None:
        return text
    if "url" in fields and isinstance(fields["url"], str):
        return fields["url"]
    missing = [key for key in ("username", "password", "host") if not fields.get(key)]
    if missing:
        raise SecretUnreadable(f"the database secret lacks {', '.join(missing)}")
    user, password = quote(str(fields["username"]), safe=""), quote(str(fields["password"]), safe="")
    port = fields.get("port") or 5432
    dbname = quote(str(fields.get("dbname") or "postgres"), safe="")
    # The database is reached over the internet (Lambda outside a VPC, the web on Render): never without TLS.
    return f"postgresql://{user}:{password}@{fields['host']}:{port}/{dbname}?sslmode=require"


def plain_value_from(text: str) -> str:
    """Return a key's secret text, or the one value of a one-key JSON object."""
    fields = _json_object(text)
    if fields is None:
        return text
    if len(fields) == 1 and isinstance(value := next(iter(fields.values())), str):
        return value
    raise SecretUnreadable(f"expected the secret's text or a JSON object with one value, found keys {sorted(fields)}")


def secret_value(field: str, arn: str) -> str:
    """Read the secret behind `arn` and shape it for the settings field `field`."""
    text = read_secret_string(arn)
    return database_url_from(text) if field == "database_url" else plain_value_from(text)
