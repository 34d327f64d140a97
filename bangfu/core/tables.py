"""Table base: sortable columns, Bootstrap styling, the same columns for page and export.

Personal fields of the table's model (`personal_fields`) are masked on the page, with a 显示
button for a user holding the right; an export carries them unmasked only for such a user
(the list view logs that export). Without the right, a personal column cannot be sorted by."""

from functools import partial
from typing import Any

import django_tables2 as tables
from django.core.paginator import EmptyPage
from django.http import Http404

from bangfu.core.personal import can_see_personal_data, personal_cell, personal_fields, shown
from bangfu.core.spreadsheets import SheetSpec, csv_response, sheet_name, xlsx_response

EXPORT_FORMATS = ("xlsx", "csv")

PAGE_SIZES = (25, 50, 100)


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


def export_table(table: tables.Table, fmt: str, filename: str, exclude: Any = ()) -> Any:
    """A table's rows as an .xlsx or .csv download, through the writers every export uses.

    The cells are the columns' values (a `value_<name>` method where the page's cell is
    HTML), never the page's HTML; the writers quote text a spreadsheet would run."""
    if fmt not in EXPORT_FORMATS:  # tablib's other formats (json, yaml, ods...) are not offered
        raise Http404
    values = table.as_values(exclude_columns=exclude)
    headers = [str(h) for h in next(values)]
    if fmt == "csv":
        return csv_response(headers, values, filename)
    stem = filename.rsplit(".", 1)[0]
    return xlsx_response([SheetSpec(sheet_name(stem), headers, values)], filename)


def _number(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class RequestConfig(tables.RequestConfig):
    """django-tables2's, with the page size one of PAGE_SIZES and the page a page that exists:
    its own took ?per_page=-1 to a server error, and ?per_page=1000000 to the whole table."""

    def configure(self, table: tables.Table) -> tables.Table:
        if not self.paginate:
            return super().configure(table)
        paginate, self.paginate = self.paginate, False
        super().configure(table)  # the request and the sort order
        self.paginate = paginate
        options = dict(paginate) if hasattr(paginate, "items") else {}
        options.pop("silent", None)
        get = self.request.GET
        size = _number(get.get(table.prefixed_per_page_field))
        if size in PAGE_SIZES:
            options["per_page"] = size
        page = _number(get.get(table.prefixed_page_field)) or 1
        options.pop("page", None)
        try:
            table.paginate(page=max(page, 1), **options)
        except EmptyPage:  # past the end: the last page
            table.paginate(page=table.paginator.num_pages, **options)
        return table
