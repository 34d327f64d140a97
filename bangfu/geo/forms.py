from django.utils.translation import gettext_lazy as _

from bangfu.core.forms import BaseModelForm, NaturalKeyChoiceField, SearchWidget
from bangfu.geo.choices import Level
from bangfu.geo.models import Region


class VillageField(NaturalKeyChoiceField):
    """Pick a village by typing its name; the value is its 12-digit code."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("queryset", Region.objects.filter(level=Level.VILLAGE))
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("widget", SearchWidget("geo.Region"))
        kwargs.setdefault(
            "error_messages", {"invalid_choice": _("找不到这个村,请从搜索结果中选择。")}
        )
        super().__init__(**kwargs)


class RegionForm(BaseModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "longitude", "latitude"]

    def clean(self) -> dict:
        """Find the parent from the code: the nearest existing region whose prefix it shares."""
        data = super().clean()
        code, level = data.get("code"), data.get("level")
        if code and level and level != Level.PROVINCE:
            from bangfu.core.scope import CODE_PREFIX_LENGTH

            levels = list(CODE_PREFIX_LENGTH)
            parent_level = levels[levels.index(level) - 1]
            prefix = code[: CODE_PREFIX_LENGTH[parent_level]]
            parent = Region.objects.filter(level=parent_level, code=prefix.ljust(12, "0")).first()
            if parent is None:
                self.add_error(
                    "code", _("找不到上级区划{code}。").format(code=prefix.ljust(12, "0"))
                )
            else:
                self.instance.parent = parent
        return data
