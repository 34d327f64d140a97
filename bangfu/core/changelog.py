"""Change logging: one mechanism (model signals) records every domain object's changes.

The request's user and id travel in a context variable set by ChangeContextMiddleware, so the
service layer, admin, API and commands all log the same way; commands may set it themselves.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import uuid
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save


@dataclass
class ChangeContext:
    user: Any = None
    request_id: uuid.UUID | None = None


_context: ContextVar[ChangeContext | None] = ContextVar("bangfu_change_context", default=None)


@contextlib.contextmanager
def change_context(user: Any = None, request_id: uuid.UUID | None = None) -> Iterator[None]:
    """Attribute every change made inside the block to `user`."""
    token = _context.set(ChangeContext(user=user, request_id=request_id or uuid.uuid4()))
    try:
        yield
    finally:
        _context.reset(token)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "url"):  # files
        return value.name or None
    return value


def serialize_instance(instance: models.Model) -> dict[str, Any]:
    exclude = set(getattr(instance, "changelog_exclude", ()))
    deferred = instance.get_deferred_fields()
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude or field.attname in deferred:
            continue
        data[field.name] = _json_value(field.value_from_object(instance))
    return data


def serialize_values(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    """Like serialize_instance, from a row's values keyed by attribute name."""
    exclude = set(getattr(model, "changelog_exclude", ()))
    return {
        field.name: _json_value(values[field.attname])
        for field in model._meta.concrete_fields
        if field.name not in exclude and field.attname in values
    }


def _record(instance: Any, action: str, before: dict | None, after: dict | None) -> None:
    from bangfu.core.models import ObjectChange

    if action == "update" and before == after:
        return
    ctx = _context.get() or ChangeContext()
    user = ctx.user if ctx.user is not None and getattr(ctx.user, "pk", None) else None
    parent = instance.changelog_parent()
    ObjectChange.objects.create(
        user=user,
        user_name=user.get_username() if user else "",
        request_id=ctx.request_id,
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        related_content_type=ContentType.objects.get_for_model(parent) if parent else None,
        related_object_id=parent.pk if parent else None,
        prechange_data=before,
        postchange_data=after,
    )


def _on_save(sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    from bangfu.core.models import BaseModel

    if raw or not isinstance(instance, BaseModel):
        return
    after = instance.changelog_data()
    before = None if created else instance.changelog_before()
    if before is not None:
        after_keys = set(before)
        after = {k: v for k, v in after.items() if k in after_keys or created}
    _record(instance, "create" if created else "update", before, after)
    instance.changelog_saved()


def _on_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    from bangfu.core.models import BaseModel

    if not isinstance(instance, BaseModel):
        return
    before = instance.changelog_before() or instance.changelog_data()
    _record(instance, "delete", before, None)


def _on_m2m(
    sender: type,
    instance: Any,
    action: str,
    reverse: bool,
    model: type,
    pk_set: set | None,
    **kwargs: Any,
) -> None:
    """Links added or removed (an activity's households, a project's beneficiaries) are an
    update of the object that holds the link, logged as the list of ids before and after."""
    from bangfu.core.models import BaseModel

    if reverse or not isinstance(instance, BaseModel):
        return
    field = next((f for f in instance._meta.many_to_many if f.remote_field.through is sender), None)
    if field is None or not field.remote_field.through._meta.auto_created:
        return  # explicit through models (participants) log their own rows
    if action in ("pre_add", "pre_remove", "pre_clear"):
        instance._m2m_before = sorted(getattr(instance, field.name).values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    before = getattr(instance, "_m2m_before", None)
    after = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    if before is not None and before != after:
        _record(instance, "update", {field.name: before}, {field.name: after})


def connect_signals() -> None:
    post_save.connect(_on_save, dispatch_uid="bangfu_changelog_save")
    post_delete.connect(_on_delete, dispatch_uid="bangfu_changelog_delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="bangfu_changelog_m2m")


def record_bulk(changes: list[tuple[Any, str, dict | None, dict | None]], user: Any = None) -> None:
    """Log many changes made by bulk operations (imports) in one insert.

    Each change is (instance, action, before, after); bulk_create and bulk_update send no
    signals, so whoever uses them logs through here.
    """
    from bangfu.core.models import ObjectChange

    if not changes:
        return
    ctx = _context.get() or ChangeContext()
    user = user if user is not None else ctx.user
    user = user if getattr(user, "pk", None) else None
    rows = []
    for instance, action, before, after in changes:
        if action == "update" and before == after:
            continue
        parent = instance.changelog_parent()
        rows.append(
            ObjectChange(
                user=user,
                user_name=user.get_username() if user else "",
                request_id=ctx.request_id,
                action=action,
                content_type=ContentType.objects.get_for_model(instance),
                object_id=instance.pk,
                object_repr=str(instance)[:200],
                related_content_type=ContentType.objects.get_for_model(parent) if parent else None,
                related_object_id=parent.pk if parent else None,
                prechange_data=before,
                postchange_data=after,
            )
        )
    from bangfu.core import bulk

    bulk.insert(ObjectChange, rows)


def id_runs(ids: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted ids as runs of consecutive values: [1, 2, 3, 7, 8] → [(1, 3), (7, 8)]."""
    runs: list[tuple[int, int]] = []
    for pk in sorted(ids):
        if runs and pk == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], pk)
        else:
            runs.append((pk, pk))
    return runs


def record_created(
    model: type[models.Model],
    ids: Sequence[int],
    parent_model: type[models.Model] | None = None,
    user: Any = None,
) -> None:
    """Log the creation of many rows inserted together (an import): one entry per run of
    consecutive ids, not one per row.

    A million-row import would otherwise write a million entries, each a copy of its row. The
    entry says who created the rows and when; each object's history shows it with the values
    the object was created with, found from its values now and the later changes, which are
    all logged (see `creation_values`).
    """
    from bangfu.core.models import ObjectChange

    if not ids:
        return
    ctx = _context.get() or ChangeContext()
    user = user if user is not None else ctx.user
    user = user if getattr(user, "pk", None) else None
    content_type = ContentType.objects.get_for_model(model)
    parent_type = ContentType.objects.get_for_model(parent_model) if parent_model else None
    label = str(model._meta.verbose_name)
    ObjectChange.objects.bulk_create(
        [
            ObjectChange(
                user=user,
                user_name=user.get_username() if user else "",
                request_id=ctx.request_id,
                action=ObjectChange.Action.CREATE,
                content_type=content_type,
                object_id=first,
                last_object_id=last,
                object_repr=f"{label} ×{last - first + 1}"[:200],
                related_content_type=parent_type,
            )
            for first, last in id_runs(ids)
        ],
        batch_size=1000,
    )


def creation_values(instance: models.Model, changes: Sequence[Any]) -> dict[str, Any]:
    """The values `instance` was created with: its values now with `changes` (its later
    updates, any order) undone, newest first."""
    values = serialize_instance(instance)
    for change in sorted(changes, key=lambda c: (c.time, c.pk), reverse=True):
        if change.action == "update" and change.prechange_data:
            values.update((k, v) for k, v in change.prechange_data.items() if k in values)
    return values
