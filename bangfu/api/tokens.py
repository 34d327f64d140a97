"""Issue, check and revoke API tokens. A token reads `bf_<prefix>_<secret>`."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from typing import Any

from django.utils import timezone

from bangfu.api.models import ApiToken

# Lifetimes a user may choose, in days; the longest is a year.
LIFETIMES = (7, 30, 90, 365)
DEFAULT_LIFETIME = 90
# Do not write last_used on every request: once a minute is enough to show it is in use.
TOUCH_EVERY = datetime.timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: Any, name: str, days: int = DEFAULT_LIFETIME) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the plain token (never stored)."""
    if days not in LIFETIMES:
        raise ValueError(f"lifetime must be one of {LIFETIMES}")
    prefix = secrets.token_hex(4)
    plain = f"bf_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=prefix,
        digest=digest(plain),
        expires=timezone.now() + datetime.timedelta(days=days),
    )
    return token, plain


def check(plain: str) -> ApiToken | None:
    """The active token this string is, or None (unknown, wrong, expired or revoked)."""
    parts = plain.strip().split("_")
    if len(parts) < 3 or parts[0] != "bf":
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.digest, digest(plain.strip())):
        return None
    if not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used is None or now - token.last_used > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token


def revoke(user: Any, pk: int) -> bool:
    """Revoke one of the user's own tokens; False if it is not theirs or already revoked."""
    return bool(
        ApiToken.objects.filter(user=user, pk=pk, revoked__isnull=True).update(
            revoked=timezone.now()
        )
    )
