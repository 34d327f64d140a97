import json
from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.models import AccessLog
from bangfu.core.tables import BaseTable


class AccessLogTable(BaseTable):
    time = tables.DateTimeColumn(format="Y-m-d H:i:s")
    content_type = tables.Column(verbose_name=_("对象类型"))
    fields = tables.Column(verbose_name=_("字段"), orderable=False)
    filters = tables.Column(verbose_name=_("筛选条件"), orderable=False)

    def render_content_type(self, value: Any) -> str:
        model = value.model_class()
        return str(model._meta.verbose_name) if model else str(value)

    def render_fields(self, value: list, record: AccessLog) -> str:
        model = record.content_type.model_class()
        labels = []
        for name in value:
            try:
                labels.append(str(model._meta.get_field(name).verbose_name))
            except Exception:
                labels.append(name)
        return "、".join(labels)

    def render_filters(self, value: dict) -> str:
        return json.dumps(value, ensure_ascii=False) if value else "—"

    class Meta(BaseTable.Meta):
        model = AccessLog
        fields = (
            "time",
            "user",
            "kind",
            "content_type",
            "object_repr",
            "fields",
            "export_format",
            "filters",
            "row_count",
            "address",
        )
