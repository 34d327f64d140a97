"""Form helpers shared by every app: Bootstrap classes, scoped choices, search widgets."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.core.models import BaseModel


class SearchWidget(forms.TextInput):
    """A text box that searches as you type (htmx) and offers matches in a datalist.

    The field's value is the matched object's natural key (code, number or id).
    """

    def __init__(self, model_label: str, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.model_label = model_label

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
                "hx-vals": json.dumps({"field": name}),
                "placeholder": _("输入名称或编号搜索"),
            }
        )
        context = super().get_context(name, value, attrs)
        context["widget"]["list_id"] = list_id
        return context

    template_name = "core/widgets/search.html"


class BootstrapMixin:
    """Bootstrap classes on every widget, and FK choices limited to what the user may see."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            queryset = getattr(field, "queryset", None)
            if user is not None and queryset is not None and issubclass(queryset.model, BaseModel):
                field.queryset = queryset.restrict(user, "view")
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"


class BaseModelForm(BootstrapMixin, forms.ModelForm):
    """A model form that carries the record's version, so a stale edit is refused, not applied."""

    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["loaded_version"] = self.instance.updated.isoformat()
