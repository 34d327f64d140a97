"""Serializers built from a model's fields; every write goes through the page's own form.

Output: the model's fields, related objects by their natural key (a village's code, a
household's number, else the id), personal data masked for users without the right to see it.
Input: the same shape. Validation is the app's model form (choices narrowed to the user's
scope, `clean()`, `full_clean()`), so the API accepts exactly what the pages accept.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bangfu.core.personal import can_see_personal_data, mask

ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 50}


def _check_key(value: Any, wanted: type) -> Any:
    """An id (a positive 64-bit integer) or a natural key (a short string without NUL)."""
    if wanted is int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
            raise serializers.ValidationError(_("请填写编号(正整数)。"))
    elif not isinstance(value, str) or not 0 < len(value) <= 50 or "\x00" in value:
        raise serializers.ValidationError(_("请填写编号(字符串)。"))
    return value


@extend_schema_field(ID_SCHEMA)
class KeyField(serializers.Field):
    """A related object by its id; input is passed to the form, which checks it (and scope)."""

    key = "pk"

    def to_representation(self, value: Any) -> Any:
        return getattr(value, self.key)

    def get_attribute(self, instance: Any) -> Any:
        if self.key == "pk":  # no query: the foreign key's column
            value = getattr(instance, f"{self.source}_id", None)
            return _Key(value) if value is not None else None
        return super().get_attribute(instance)

    def to_internal_value(self, data: Any) -> Any:
        return _check_key(data, int)


class _Key:
    def __init__(self, pk: Any) -> None:
        self.pk = pk


@extend_schema_field(KEY_SCHEMA)
class CodeKeyField(KeyField):
    """A related object by a natural key (a region's code, a household's number)."""

    def __init__(self, key: str, **kwargs: Any) -> None:
        self.key = key
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        return _check_key(data, str)


@extend_schema_field({"type": "array", "items": ID_SCHEMA})
class KeyListField(serializers.Field):
    """Many related objects by id (or natural key): a list."""

    def __init__(self, key: str = "pk", **kwargs: Any) -> None:
        self.key = key
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> list:
        return [getattr(v, self.key) for v in value.all()]

    def to_internal_value(self, data: Any) -> list:
        if not isinstance(data, list):
            raise serializers.ValidationError(_("请填写列表。"))
        wanted = str if self.key != "pk" else int
        return [_check_key(v, wanted) for v in data]


@extend_schema_field({"type": "array", "items": KEY_SCHEMA})
class CodeListField(KeyListField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "description": "yyyy-mm-dd;无个人信息权限的用户只看到年份(1970-**-**)。",
        "example": "1970-**-**",
    }
)
class PersonalDateField(serializers.DateField):
    """A date that is personal data (a birth date): masked to its year for a user without the
    right, so the schema says a string, not a date."""


class ModelResourceSerializer(serializers.ModelSerializer):
    """Base of every resource's serializer (see `resource_serializer`)."""

    display = serializers.SerializerMethodField()
    version = serializers.CharField(
        write_only=True,
        required=False,
        help_text="修改时可填写读取时的 updated 值;记录在此之后已被他人修改则拒绝保存。",
    )
    # Set by resource_serializer: the fields the form writes.
    write_fields: tuple[str, ...] = ()

    def get_display(self, obj: Any) -> str:
        return str(obj)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        personal = getattr(instance, "personal_fields", ())
        if personal and not self._may_see_personal():
            for name in personal:
                if data.get(name):
                    data[name] = mask(data[name], name)
        return data

    def _may_see_personal(self) -> bool:
        context = self.context
        if "_see_personal" not in context:
            request = context.get("request")
            context["_see_personal"] = bool(request) and can_see_personal_data(request.user)
        return context["_see_personal"]

    # Writes: the resource's form validates; the viewset saves (see bangfu.api.writes).
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        from bangfu.api.writes import build_form

        resource = self.context["resource"]
        self.form = build_form(resource, self, self.context["request"])
        if not self.form.is_valid():
            raise serializers.ValidationError(form_errors(self.form))
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Any:
        from bangfu.api.writes import save_form

        return save_form(self.context["resource"], self.form, self.context["request"])

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        from bangfu.api.writes import save_form

        return save_form(self.context["resource"], self.form, self.context["request"])


def form_errors(form: Any) -> dict[str, list[str]]:
    """A form's errors as the API states them: field → messages; form-wide under
    non_field_errors."""
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        key = "non_field_errors" if name == "__all__" else name
        errors.setdefault(key, []).extend(str(m) for m in messages)
    return errors


def resource_serializer(
    model: type[models.Model],
    fields: list[str],
    write_fields: tuple[str, ...] = (),
    keys: dict[str, str] | None = None,
    extra: dict[str, serializers.Field] | None = None,
) -> type[ModelResourceSerializer]:
    """A serializer for `model` showing `fields`; `write_fields` are what its form takes.

    `keys` names the natural key a relation is shown and given by (village → code).
    """
    keys = keys or {}
    attrs: dict[str, Any] = {}
    for name in fields:
        try:
            field = model._meta.get_field(name)
        except Exception:
            continue
        read_only = name not in write_fields
        if not field.is_relation:
            if name in getattr(model, "personal_fields", ()) and isinstance(
                field, models.DateField
            ):
                attrs[name] = PersonalDateField(
                    read_only=read_only, allow_null=bool(field.null), required=False
                )
                continue
            if read_only and field.choices and getattr(field, "blank", False):
                # DRF drops allow_blank from read-only fields, so the schema's enum would
                # refuse the "" a blank choice (a hand-scored indicator's measure) holds.
                attrs[name] = serializers.ChoiceField(
                    choices=field.choices, read_only=True, allow_blank=True
                )
            continue
        nullable = bool(getattr(field, "null", False))
        key = keys.get(name, "pk")
        if field.many_to_many:
            cls = CodeListField if key != "pk" else KeyListField
            attrs[name] = cls(key=key, read_only=read_only, required=False)
        elif key == "pk":
            attrs[name] = KeyField(read_only=read_only, allow_null=nullable, required=False)
        else:
            attrs[name] = CodeKeyField(
                key=key, read_only=read_only, allow_null=nullable, required=False
            )
    attrs.update(extra or {})
    meta_fields = ["id", "display", *fields]
    if "updated" not in meta_fields and any(f.name == "updated" for f in model._meta.fields):
        meta_fields.append("updated")
    if write_fields:
        meta_fields.append("version")
    read_only_fields = [
        f for f in meta_fields if f not in write_fields and f not in attrs and f != "version"
    ]
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": meta_fields,
            "read_only_fields": read_only_fields,
            "validators": [],  # the form checks uniqueness, with the model's messages
        },
    )
    attrs["Meta"] = meta
    attrs["write_fields"] = tuple(write_fields)
    return type(f"{model.__name__}Serializer", (ModelResourceSerializer,), attrs)
