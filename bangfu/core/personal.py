"""Personal data (ID numbers, phones, bank accounts): masked for everyone on pages, lists and
history; a user holding the right reveals one record's field with a button, and exports carry
the data unmasked for them. Every reveal and every unmasked export is written to the access log
(accounts.AccessLog), so the office can see who looked at whose data, when and from where.

Why a button rather than logging page views: a page view would log every household opened while
working through a village, burying the reveals that matter; a deliberate click names the record
and field that were actually read.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

PERMISSION = "registry.view_personal_data"


def mask(value: str) -> str:
    """Keep the first and last few characters: 520102********1234, 138****5678."""
    n = len(value)
    if n <= 4:
        return "*" * n
    keep_head = 6 if n >= 15 else 3
    keep_tail = 4
    if keep_head + keep_tail >= n:
        keep_head, keep_tail = 1, 1
    return value[:keep_head] + "*" * (n - keep_head - keep_tail) + value[-keep_tail:]


def can_see_personal_data(user: object) -> bool:
    return bool(getattr(user, "has_perm", None)) and user.has_perm(PERMISSION)


def personal_fields(model: type[models.Model] | models.Model) -> tuple[str, ...]:
    return tuple(getattr(model, "personal_fields", ()))


def masked(value: Any) -> Any:
    """A stored value as pages show it: masked when there is something to mask."""
    return mask(str(value)) if value not in (None, "") else value


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
        return mask(str(value))
    return format_html(
        '<span class="personal" data-testid="personal">{} '
        '<button type="button" class="btn btn-link btn-sm p-0 align-baseline" '
        'hx-post="{}" hx-target="closest .personal" hx-swap="outerHTML">{}</button></span>',
        mask(str(value)),
        reveal_url(obj, name),
        _("显示"),
    )
