"""Form helpers shared by every app: Bootstrap classes, scoped choices, search widgets."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.core.models import BaseModel
from bangfu.core.personal import mask

# What a typed date or number may be: beyond these a value is a mistake or an attack, and a
# year 9999 date or a 20-digit id took the pages that use them to a server error (a date past
# the calendar's end, an id no database integer holds).
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
LARGEST_INTEGER = 2**63 - 1


def fits_integer(value: Any) -> bool:
    """Whether a posted id is not a number too large (or too small) for a database integer."""
    try:
        return abs(int(str(value).strip())) <= LARGEST_INTEGER
    except ValueError:
        return True  # not a number: the field's own check answers


def bound_inputs(form: forms.BaseForm) -> None:
    """Hold every date, number and id a form takes within what the pages can work with, so
    a hostile value is a form error, never a server error. Forms of every app get it through
    BootstrapMixin and BaseFilterSet."""
    for field in form.fields.values():
        if isinstance(field, forms.DateField | forms.DateTimeField):
            field.validators.append(
                MinValueValidator(
                    EARLIEST_DATE, _("日期不能早于{date}。").format(date=EARLIEST_DATE)
                )
            )
            field.validators.append(
                MaxValueValidator(LATEST_DATE, _("日期不能晚于{date}。").format(date=LATEST_DATE))
            )
            if isinstance(field, forms.DateTimeField):
                field.validators[-2:] = [_DateOf(v) for v in field.validators[-2:]]
        elif isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
            field.validators.append(MinValueValidator(-LARGEST_INTEGER))
            field.validators.append(MaxValueValidator(LARGEST_INTEGER))
        elif isinstance(field, forms.ModelChoiceField):
            _bound_choice(field)


class _DateOf:
    """A date validator applied to a date and time's date."""

    def __init__(self, validator: Any) -> None:
        self.validator = validator

    def __call__(self, value: Any) -> None:
        self.validator(value.date() if isinstance(value, datetime.datetime) else value)


def _bound_choice(field: forms.ModelChoiceField) -> None:
    """An id beyond a database integer is an invalid choice, not a query that fails."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        check = field._check_values

        def _check_values(value: Any) -> Any:
            values = value if isinstance(value, list | tuple) else [value]
            for v in values:
                if not fits_integer(v):
                    raise forms.ValidationError(
                        field.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": v},
                    )
            return check(value)

        field._check_values = _check_values
        return
    to_python = field.to_python

    def _to_python(value: Any) -> Any:
        if value not in field.empty_values and not fits_integer(value):
            raise forms.ValidationError(
                field.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return to_python(value)

    field.to_python = _to_python


def chosen(queryset: Any, value: Any) -> Any:
    """The object a query parameter names by id within `queryset`, or None when it names
    none: not a number, too large, or not there (a page then shows its default)."""
    field = forms.ModelChoiceField(queryset=queryset, required=False)
    _bound_choice(field)
    try:
        return field.clean(value)
    except forms.ValidationError:
        return None


class SearchWidget(forms.TextInput):
    """A text box that searches as you type (htmx) and offers matches in a datalist.

    The field's value is the matched object's natural key (code, number or id).
    """

    def __init__(
        self, model_label: str, attrs: dict | None = None, everywhere: bool = False
    ) -> None:
        super().__init__(attrs)
        self.model_label = model_label
        self.everywhere = everywhere  # search beyond the user's scope (public data only)

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict:
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id', name)}-options"
        attrs.update(
            {
                "list": list_id,
                "autocomplete": "off",
                "hx-get": reverse("core:search", args=[self.model_label]),
                "hx-trigger": "input changed delay:250ms, focus once",
                "hx-target": f"#{list_id}",
                "hx-vals": json.dumps(
                    {"field": name, **({"everywhere": 1} if self.everywhere else {})}
                ),
                "placeholder": _("输入名称或编号搜索"),
            }
        )
        context = super().get_context(name, value, attrs)
        context["widget"]["list_id"] = list_id
        context["widget"]["current"] = self.label_of(value)
        return context

    def label_of(self, value: Any) -> str:
        """What the current value names (宝山村 · 织金县…), shown under the box."""
        if value in (None, "") or isinstance(value, list | tuple):
            return ""
        from django.apps import apps

        model = apps.get_model(self.model_label)
        value = str(value)
        found = model.search(model.objects.all(), value)
        if not any(key == value for key, _label in found) and value.isdigit():
            found = model.search(model.objects.filter(pk=value), "")  # keyed by id
        return next((label for key, label in found if key == value), "")

    template_name = "core/widgets/search.html"


class PickerWidget(SearchWidget):
    """Pick several objects by searching as you type: each pick becomes a removable chip.

    Posts one value per chip (the object's natural key, as the model's `search` gives it).
    Works with a ModelMultipleChoiceField whose `to_field_name` is that key.
    """

    template_name = "core/widgets/picker.html"
    allow_multiple_selected = True

    def __init__(self, model_label: str, key: str = "pk", attrs: dict | None = None) -> None:
        super().__init__(model_label, attrs)
        self.key = key

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name, [])

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # no chips means "none", not "unchanged"

    def format_value(self, value: Any) -> list[str]:
        if value is None:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [str(getattr(v, self.key, v)) for v in values if v not in ("", None)]

    def label_of(self, value: Any) -> str:
        return ""

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict:
        # The search box posts as <name>_q; the chips carry the field's values.
        context = super().get_context(f"{name}_q", None, attrs)
        context["widget"]["field_name"] = name
        context["widget"]["chosen"] = self._labels(self.format_value(value))
        return context

    def _labels(self, values: list[str]) -> list[tuple[str, str]]:
        if not values:
            return []
        from django.apps import apps

        model = apps.get_model(self.model_label)
        found = dict(model.search(model.objects.filter(**{f"{self.key}__in": values}), ""))
        return [(v, found.get(v, v)) for v in values]


class NaturalKeyChoiceField(forms.ModelChoiceField):
    """A choice typed as a natural key (a village's code, a household's number).

    A model form's initial value for a foreign key is the related row's id; show its natural
    key instead, so an edit page posted back unchanged still validates.
    """

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and self.to_field_name:
            found = self.queryset.model._default_manager.filter(pk=value).values_list(
                self.to_field_name, flat=True
            )
            return found.first() or value
        return super().prepare_value(value)


class BootstrapMixin:
    """Bootstrap classes on every widget, FK choices limited to what the user may see, and
    personal data shown masked to users without the right to see it."""

    # Fields whose choices are not narrowed to the user's scope (e.g. a village to claim).
    unrestricted_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self._mask_personal_data()
        bound_inputs(self)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            queryset = getattr(field, "queryset", None)
            if queryset is not None and issubclass(queryset.model, BaseModel):
                if user is not None and name not in self.unrestricted_fields:
                    queryset = queryset.restrict(user, "view")
                field.queryset = queryset.model.for_choices(queryset)
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"

    def _mask_personal_data(self) -> None:
        """Show stored personal data masked, to everyone: full values are read through the
        detail page's logged 显示 button. A value posted back still masked keeps it."""
        instance = getattr(self, "instance", None)
        if instance is None or not instance.pk:
            return
        for name in getattr(instance, "personal_fields", ()):
            stored = getattr(instance, name, "")
            if name in self.fields and stored not in (None, ""):
                self.fields[name] = MaskedField(self.fields[name], stored, name)
                self.initial[name] = self.fields[name].masked


class MaskedField(forms.Field):
    """A personal field shown masked (as text, whatever its kind): posted back unchanged it
    keeps the stored value; anything else is cleaned by the field it stands for."""

    def __init__(self, field: forms.Field, stored: Any, name: str) -> None:
        self.masked = mask(stored, name)
        super().__init__(
            required=field.required,
            label=field.label,
            help_text=_("已打码;不修改则保留原值。"),
            widget=forms.TextInput(attrs=dict(field.widget.attrs)),
            disabled=field.disabled,
        )
        self.field = field
        self.stored = stored

    def clean(self, value: Any) -> Any:
        if value == self.masked:
            return self.stored
        return self.field.clean(value)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return data != self.masked and self.field.has_changed(self.stored, data)


class BaseModelForm(BootstrapMixin, forms.ModelForm):
    """A model form that carries the record's version, so a stale edit is refused, not applied."""

    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if self.instance.pk and not data.get("loaded_version"):
            raise forms.ValidationError(_("页面已过期,请重新打开后再保存。"))
        return data

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["loaded_version"] = self.instance.updated.isoformat()
