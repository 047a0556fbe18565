"""Password hashing (Argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
_hasher = PasswordHasher()
# Verified against for unknown e-mails, so a wrong address costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0000")


class WeakPassword(ValueError):
    pass


def check_policy(password: str, *, email: str = "", name: str = "") -> None:
    """Raise WeakPassword naming the problem: too short, or common or guessable.

    zxcvbn's frequency lists hold the most common passwords and their variants
    ("password123456"); a score under 2 means "easily guessed" in its terms.
    """
    from zxcvbn import zxcvbn

    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Password must be at least {MIN_LENGTH} characters long.")
    result = zxcvbn(password[:100], user_inputs=[email, email.split("@")[0], *name.split()])
    if result["score"] < 2:
        hint = result["feedback"]["warning"] or "It is too easy to guess."
        raise WeakPassword(f"That password is too common or guessable. {hint}".strip())


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
