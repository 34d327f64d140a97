"""Table base: sortable columns, Bootstrap styling, the same columns for page and export.

Personal fields of the table's model (`personal_fields`) are masked on the page, with a 显示
button for a user holding the right; an export carries them unmasked only for such a user
(the list view logs that export). Without the right, a personal column cannot be sorted by."""

from functools import partial
from typing import Any

import django_tables2 as tables

from bangfu.core.personal import can_see_personal_data, personal_cell, personal_fields, shown


class BaseTable(tables.Table):
    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle table-stack"}
        empty_text = "—"

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        model = getattr(self._meta, "model", None)
        for name in personal_fields(model) if model is not None else ():
            # Set before the columns are bound: django-tables2 looks render_/value_ up then.
            setattr(self, f"render_{name}", partial(self._render_personal, name))
            setattr(self, f"value_{name}", partial(self._value_personal, name))
        super().__init__(*args, **kwargs)
        if not can_see_personal_data(user):
            # Sorted by a masked column, neighbours would tell the hidden digits apart.
            for name in personal_fields(model) if model is not None else ():
                if name in self.columns:
                    self.columns[name].column.orderable = False

    def _render_personal(self, name: str, value: Any, record: Any) -> Any:
        return personal_cell(record, name, self.user, value)

    def _value_personal(self, name: str, value: Any) -> Any:
        return shown(value, name, self.user)
