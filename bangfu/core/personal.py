"""Personal data (ID numbers, birth dates, phones, bank accounts): masked for everyone on pages,
lists and history; a user holding the right reveals one record's field with a button, and
exports carry the data unmasked for them. Every reveal and every unmasked export is written to the access log
(accounts.AccessLog), so the office can see who looked at whose data, when and from where.

Why a button rather than logging page views: a page view would log every household opened while
working through a village, burying the reveals that matter; a deliberate click names the record
and field that were actually read.

Masks are chosen so that nothing shown together adds up to the whole (see `MASKS`): an ID
number shows its address code and last four, the birth date it carries shows its year only
(never the month and day that are the hidden digits), a phone 138****1234, an account its last
four. Every page, list, file, API answer, history and message masks through `mask` here.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

PERMISSION = "registry.view_personal_data"


def _keep(value: str, head: int, tail: int) -> str:
    hidden = len(value) - head - tail
    return (
        value[:head] + "*" * hidden + value[len(value) - tail :] if hidden > 0 else "*" * len(value)
    )


def mask_id_number(value: str) -> str:
    """520102********1234: the address code and the last four (order and check digit); the
    eight hidden digits are exactly the birth date (GB 11643). An old 15-digit number keeps
    its last three (it has no check digit)."""
    if len(value) == 18:
        return _keep(value, 6, 4)
    if len(value) == 15:
        return _keep(value, 6, 3)
    return _keep(value, 0, min(4, len(value) // 3))


def mask_phone(value: str) -> str:
    """138****1234: a mobile (11 digits or more) keeps its first three and last four, a
    shorter number its last four."""
    if len(value) >= 11:
        return _keep(value, 3, 4)
    return _keep(value, 0, 4 if len(value) > 6 else len(value) // 3)


def mask_bank_account(value: str) -> str:
    """****************1234: the last four only, as banks print them (尾号)."""
    return _keep(value, 0, 4 if len(value) > 6 else len(value) // 3)


def mask_birth_date(value: Any) -> str:
    """1970-**-**: the year only. With the month and day, the masked ID number next to it
    would be whole again; the year leaves about thirty numbers that fit its check digit."""
    text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return f"{text[:4]}-**-**"


# How each personal field is masked, by field name (the same name means the same kind of
# data in every model that declares it in `personal_fields`).
MASKS: dict[str, Callable[[Any], str]] = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "contact_phone": mask_phone,
    "bank_account": mask_bank_account,
    "birth_date": mask_birth_date,
}


def mask(value: Any, field: str | None = None) -> str:
    """A personal value as everyone without the right sees it, by its field's kind; a field
    without a rule keeps its first and last few characters."""
    rule = MASKS.get(field or "")
    if rule is not None:
        return rule(value)
    value = str(value)
    n = len(value)
    if n <= 4:
        return "*" * n
    keep_head = 6 if n >= 15 else 3
    keep_tail = 4
    if keep_head + keep_tail >= n:
        keep_head, keep_tail = 1, 1
    return value[:keep_head] + "*" * (n - keep_head - keep_tail) + value[-keep_tail:]


def is_masked(value: Any) -> bool:
    """Whether a value read back (a form, a file) is a mask rather than data."""
    return isinstance(value, str) and "*" in value


def unless_masked(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A cell parser that reads a masked value (a file exported without the right) as blank,
    so the import keeps what is stored instead of refusing the row."""

    def read(value: Any) -> Any:
        return None if is_masked(value) else parse(value)

    read.__wrapped__ = parse  # type: ignore[attr-defined]
    return read


def can_see_personal_data(user: object) -> bool:
    return bool(getattr(user, "has_perm", None)) and user.has_perm(PERMISSION)


def personal_fields(model: type[models.Model] | models.Model) -> tuple[str, ...]:
    return tuple(getattr(model, "personal_fields", ()))


def masked(value: Any, field: str | None = None) -> Any:
    """A stored value as pages show it: masked when there is something to mask."""
    return mask(value, field) if value not in (None, "") else value


def shown(value: Any, field: str, user: Any) -> Any:
    """A personal value as `user` may read it in a list, file, message or API answer: whole
    for a holder of the right, else masked."""
    return value if can_see_personal_data(user) else masked(value, field)


def client_address(request: HttpRequest | None) -> str | None:
    """The address the request came from (REMOTE_ADDR: a proxy in front must set it)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def log_reveal(request: HttpRequest, obj: models.Model, fields: list[str]) -> Any:
    """Record that `request.user` was shown `fields` of `obj` unmasked."""
    from django.contrib.contenttypes.models import ContentType

    from bangfu.accounts.models import AccessKind, AccessLog

    return AccessLog.objects.create(
        user=request.user,
        kind=AccessKind.REVEAL,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        fields=list(fields),
        address=client_address(request),
        path=request.get_full_path()[:500],
    )


def export_filters(request: HttpRequest) -> dict[str, Any]:
    """The query string of an export, less the export switch itself."""
    return {
        key: values if len(values) > 1 else values[0]
        for key, values in request.GET.lists()
        if key not in ("_export", "page")
    }


def log_export(
    request: HttpRequest,
    model: type[models.Model],
    export_format: str,
    row_count: int,
    fields: list[str] | None = None,
) -> Any:
    """Record an export that carried `model`'s personal data unmasked, with its filters."""
    from django.contrib.contenttypes.models import ContentType

    from bangfu.accounts.models import AccessKind, AccessLog

    return AccessLog.objects.create(
        user=request.user,
        kind=AccessKind.EXPORT,
        content_type=ContentType.objects.get_for_model(model),
        object_repr=str(model._meta.verbose_name_plural)[:200],
        fields=list(fields if fields is not None else personal_fields(model)),
        export_format=export_format,
        filters=export_filters(request),
        row_count=row_count,
        address=client_address(request),
        path=request.get_full_path()[:500],
    )


def exports_unmasked(
    model: type[models.Model], user: Any, columns: list[str] | None = None
) -> bool:
    """Whether an export of `model` for `user` carries personal data unmasked (and is logged)."""
    names = set(personal_fields(model))
    if columns is not None:
        names &= set(columns)
    return bool(names) and can_see_personal_data(user)


def reveal_url(obj: models.Model, name: str) -> str:
    return reverse(
        "accounts:reveal",
        args=[obj._meta.app_label, obj._meta.model_name, obj.pk, name],
    )


def personal_cell(obj: models.Model, name: str, user: Any, value: Any = None) -> SafeString | Any:
    """A personal field on a page: masked, with a 显示 button for a user holding the right
    (the button posts, the server logs the reveal and answers with the value)."""
    if value is None:
        value = getattr(obj, name, None)
    if value in (None, ""):
        return value
    if not can_see_personal_data(user) or getattr(obj, "pk", None) is None:
        return mask(value, name)
    return format_html(
        '<span class="personal" data-testid="personal">{} '
        '<button type="button" class="btn btn-link btn-sm p-0 align-baseline" '
        'hx-post="{}" hx-target="closest .personal" hx-swap="outerHTML">{}</button></span>',
        mask(value, name),
        reveal_url(obj, name),
        _("显示"),
    )
