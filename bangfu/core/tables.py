"""Table base: sortable columns, Bootstrap styling, the same columns for page and export."""

import django_tables2 as tables


class BaseTable(tables.Table):
    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle table-stack"}
        empty_text = "—"
