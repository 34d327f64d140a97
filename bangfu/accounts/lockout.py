"""Lockout after repeated failed logins, per account name and per address.

Failures are rows (LoginFailure) counted over a sliding window: an account or address with too
many in the window cannot log in until the oldest age out. The office clears them in the admin.
A small model rather than django-axes: axes requires the request in every authenticate() call
(scripts, the demo check and token auth call it without one)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from bangfu.accounts.models import LoginFailure


def window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.BANGFU_LOCKOUT_MINUTES)


def _recent() -> object:
    return LoginFailure.objects.filter(time__gte=timezone.now() - window())


def is_locked(username: str | None, address: str | None) -> bool:
    """Whether this account name or this address has failed too often lately."""
    recent = _recent()
    if username and recent.filter(username=username).count() >= settings.BANGFU_LOCKOUT_FAILURES:
        return True
    return bool(
        address
        and recent.filter(address=address).count() >= settings.BANGFU_LOCKOUT_FAILURES_PER_ADDRESS
    )


def record_failure(username: str | None, address: str | None) -> None:
    LoginFailure.objects.create(username=(username or "")[:150], address=address)


def clear(username: str) -> None:
    """A successful login forgets the account's failures (not the address's)."""
    LoginFailure.objects.filter(username=username).delete()
