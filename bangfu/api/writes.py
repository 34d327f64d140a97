"""Writes through the pages' own forms and save paths, so the API keeps the same rules.

The form gets the user (its choices are narrowed to the user's scope), the record's loaded
version (a stale edit is refused), and the page view's `save_form` saves it (pairings through
the campaign service, ledger entries with their participants and review state). As on the
pages, the saved record must still be within the user's scope, or nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import serializers

from bangfu.core.changelog import change_context


def form_data(resource: Any, serializer: Any) -> dict[str, Any]:
    """What the form is posted: the record as it stands (for a partial update), overlaid by
    the request's values, both in the API's shape (ids and natural keys, ISO dates)."""
    instance = serializer.instance
    data: dict[str, Any] = {}
    if instance is not None:
        current = serializer.to_representation(instance)
        data.update({k: v for k, v in current.items() if k in serializer.write_fields})
    else:  # a field left out takes the model's default, as the page's blank form shows it
        for name in serializer.write_fields:
            try:
                model_field = resource.model._meta.get_field(name)
            except Exception:
                continue
            if model_field.concrete and model_field.has_default():
                data[name] = model_field.get_default()
    incoming = serializer.initial_data
    if not isinstance(incoming, dict):
        raise serializers.ValidationError(_("请提交一个对象。"))
    data.update({k: v for k, v in incoming.items() if k in serializer.write_fields})
    if instance is not None:
        for name in resource.fixed_fields:
            if name in incoming and incoming[name] != getattr(instance, name):
                raise serializers.ValidationError({name: [_("创建后不能修改;请新建一条记录。")]})
    data = {k: ("" if v is None else v) for k, v in data.items()}
    if instance is not None:
        data["loaded_version"] = incoming.get("version") or instance.updated.isoformat()
    return data


def build_form(resource: Any, serializer: Any, request: Any) -> Any:
    instance = serializer.instance or resource.model()
    data = form_data(resource, serializer)
    kwargs = resource.form_kwargs(instance, data)
    return resource.form_class(data=data, instance=instance, user=request.user, **kwargs)


def page_save(resource: Any, form: Any, request: Any) -> Any:
    """Save as the page does: its edit view's `save_form`, without formsets."""
    view = resource.edit_view()
    view.request = request._request if hasattr(request, "_request") else request
    view.args, view.kwargs = (), {}
    view.object = form.instance if form.instance.pk else None
    view._formsets = {}
    return view.save_form(form)


def save_form(resource: Any, form: Any, request: Any) -> Any:
    """One transaction: version check, the page's save, the scope re-check."""
    from bangfu.api.serializers import form_errors

    model = resource.model
    user = request.user
    with change_context(user=user, request_id=getattr(request._request, "id", None)):
        with transaction.atomic():
            if form.instance.pk:
                current = model.objects.select_for_update().get(pk=form.instance.pk)
                loaded = form.cleaned_data.get("loaded_version")
                if loaded and current.updated.isoformat() != loaded:
                    transaction.set_rollback(True)
                    raise Conflict(
                        _("这条记录在您编辑期间已被其他人修改。请重新读取,核对后再保存。")
                    )
            obj = page_save(resource, form, request)
            if form.errors:
                transaction.set_rollback(True)
                raise serializers.ValidationError(form_errors(form))
            if not model.objects.restrict(user, "view").filter(pk=obj.pk).exists():
                transaction.set_rollback(True)
                raise serializers.ValidationError(
                    {"non_field_errors": [_("保存后的记录超出了您的管辖范围,未保存。")]}
                )
    return obj


class Conflict(serializers.ValidationError):
    status_code = 409
    default_code = "conflict"
