"""The regions layout: divisions by their 12-digit code (the parent found from the code)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.core import normalize
from bangfu.core.imports import Column, RowError, RowLayout
from bangfu.core.scope import CODE_PREFIX_LENGTH
from bangfu.geo.choices import Level
from bangfu.geo.models import Region

H = gettext_lazy
LEVELS = list(CODE_PREFIX_LENGTH)
VILLAGE_CODE = Column(
    H("村代码"), "village_code", normalize.code, required=True, text=True, example="520524116214"
)


def village_by_code(code: str, state: dict) -> Region:
    """The village a row names by its code (looked up once per import)."""
    villages = state.setdefault("villages_by_code", {})
    if code not in villages:
        villages[code] = Region.objects.filter(code=code, level=Level.VILLAGE).first()
    if villages[code] is None:
        raise RowError("village_code", _("找不到这个村。"))
    return villages[code]


class RegionLayout(RowLayout):
    key = "regions"
    title = gettext_lazy("行政区划")
    model = Region
    natural_key = ("code",)
    select_related = ("parent",)
    columns = [
        Column(
            H("区划代码"), "code", normalize.code, required=True, text=True, example="520524116214"
        ),
        Column(H("名称"), "name", required=True, example="宝山村"),
        Column(H("级别"), "level", choices=Level, required=True),
        Column(H("经度"), "longitude", lambda v: normalize.decimal(v, 6)),
        Column(H("纬度"), "latitude", lambda v: normalize.decimal(v, 6)),
    ]

    def resolve(self, values: dict[str, Any], state: dict) -> dict[str, Any]:
        code, level = values["code"], values["level"]
        if len(code) != 12 or not code.isdigit():
            raise RowError("code", _("区划代码应为12位数字。"))
        parent = None
        if level != Level.PROVINCE:
            parent_level = LEVELS[LEVELS.index(level) - 1]
            parent_code = code[: CODE_PREFIX_LENGTH[parent_level]].ljust(12, "0")
            codes = state.setdefault("codes", {})
            if parent_code not in codes:
                codes[parent_code] = (
                    Region.objects.filter(code=parent_code).values_list("pk", flat=True).first()
                )
            parent = codes[parent_code]
            if parent is None:
                raise RowError(
                    "code", _("找不到上级区划{code},请先导入上级。").format(code=parent_code)
                )
        return {
            "code": code,
            "name": values["name"],
            "level": level,
            "parent": parent,
            "county_code": code[:6],
            "longitude": values.get("longitude"),
            "latitude": values.get("latitude"),
        }

    def export_values(self, obj: Region) -> dict[str, Any]:
        return {c.field: getattr(obj, c.field) for c in self.columns}
