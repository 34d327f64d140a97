"""Lockout after repeated failed logins, per account name and per address.

Failures are rows (LoginFailure) counted over a sliding window: an account or address with too
many in the window cannot log in until the oldest age out. The office clears them in the admin.
A small model rather than django-axes: axes requires the request in every authenticate() call
(scripts, the demo check and token auth call it without one).

Counted before the password is checked, not after: each attempt first writes (and commits) its
row, then counts the window. Of any number of simultaneous attempts, the k-th row to be
committed is seen by its own count together with the k-1 before it, so at most the limit of
them get a password check, whatever the interleaving. A successful login takes its row back;
a refused one (locked) too, so hammering a locked account does not keep it locked.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from bangfu.accounts.models import LoginFailure


def window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.BANGFU_LOCKOUT_MINUTES)


def _recent() -> QuerySet[LoginFailure]:
    return LoginFailure.objects.filter(time__gte=timezone.now() - window())


def _name(username: str | None) -> str:
    return (username or "")[:150]


def _over(username: str | None, address: str | None, counting_one_more: int = 0) -> bool:
    recent = _recent()
    name = _name(username)
    limit, per_address = (
        settings.BANGFU_LOCKOUT_FAILURES,
        settings.BANGFU_LOCKOUT_FAILURES_PER_ADDRESS,
    )
    if name and recent.filter(username=name).count() >= limit + counting_one_more:
        return True
    return bool(
        address and recent.filter(address=address).count() >= per_address + counting_one_more
    )


def is_locked(username: str | None, address: str | None) -> bool:
    """Whether this account name or this address has failed too often lately."""
    return _over(username, address)


def reserve(username: str | None, address: str | None) -> LoginFailure | None:
    """Count an attempt before its password is checked: its row, committed, counts as a
    failure until `succeeded` takes it back. None: locked, and nothing is checked."""
    with transaction.atomic(durable=True):  # visible to every other attempt from here on
        row = LoginFailure.objects.create(username=_name(username), address=address)
    if _over(username, address, counting_one_more=1):
        row.delete()
        return None
    return row


def succeeded(row: LoginFailure, username: str) -> None:
    """The password was right: the attempt was no failure, and the account's are forgotten."""
    row.delete()
    clear(username)


def record_failure(username: str | None, address: str | None) -> None:
    LoginFailure.objects.create(username=_name(username), address=address)


def clear(username: str) -> None:
    """A successful login forgets the account's failures (not the address's)."""
    LoginFailure.objects.filter(username=username).delete()
