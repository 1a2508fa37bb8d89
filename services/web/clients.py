"""Who is calling: the client IP, taken from X-Forwarded-For only when the TCP peer is a trusted proxy.

Rate limits are kept per client IP, so a caller must not be able to pick its own: a header is believed only when the
peer that sent it is in `PICKVS_TRUSTED_PROXIES` (none by default). Each trusted proxy appends the address it saw, so
the list is read from the right, skipping trusted proxies; the first address that is not one is the client.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address

from fastapi import Request

UNKNOWN_CLIENT = "unknown"


def _trusted(address: str, proxies: list[IPv4Network | IPv6Network]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_ip(request: Request, *, trusted_proxies: list[IPv4Network | IPv6Network]) -> str:
    """Return the address rate limits are kept for: the peer, or the nearest untrusted hop it forwarded for."""
    client = request.client.host if request.client else UNKNOWN_CLIENT
    if not trusted_proxies or not _trusted(client, trusted_proxies):
        return client
    hops = [hop.strip() for value in request.headers.getlist("x-forwarded-for") for hop in value.split(",")]
    for hop in reversed(hops):
        try:
            ip_address(hop)
        except ValueError:
            # A trusted proxy appends a bare address; anything else was written by the client: stop at the proxy.
            return client
        client = hop
        if not _trusted(hop, trusted_proxies):
            return hop
    return client
