"""The password policy (NIST SP 800-63B §5.1.1.2): a minimum length, and no value an attacker tries first.

Refused: passwords shorter than the minimum; any of the common passwords shipped in `common_passwords.txt`
(COMMON_PASSWORDS.md says where the list comes from); repetitive or sequential ones ("aaaaaaaaaa", ten spaces,
"abcdefghij", "9876543210"); and the player's own username or email. No composition rules (digits, symbols):
NIST advises against them.
"""

from __future__ import annotations

from functools import cache
from itertools import pairwise
from pathlib import Path

_COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
# Fewer distinct characters than this is a repetition ("aaaaaaaaaa", "ababababab", "1212121212"), whatever the length.
_MIN_DISTINCT_CHARACTERS = 4


@cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, lowercased."""
    return frozenset(line for line in _COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines() if line)


def _sequential(password: str) -> bool:
    steps = {ord(b) - ord(a) for a, b in pairwise(password)}
    return steps in ({1}, {-1})


def password_problems(*, password: str, username: str, email: str, min_length: int) -> list[str]:
    """List what is wrong with a password under the policy (empty when it is acceptable)."""
    problems = []
    if len(password) < min_length:
        problems.append(f"must be at least {min_length} characters")
    folded = password.strip().casefold()
    if len(set(password)) < _MIN_DISTINCT_CHARACTERS or _sequential(password):
        problems.append("must not be a repeated or sequential run of characters")
    elif folded in common_passwords():
        problems.append("is one of the most common passwords; choose one that is not")
    if folded in {username.casefold(), email.casefold(), email.split("@")[0].casefold()}:
        problems.append("must not be your username or email")
    return problems
