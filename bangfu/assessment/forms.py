from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.assessment.choices import IndicatorKind
from bangfu.assessment.models import Indicator, Scheme
from bangfu.campaigns.models import Campaign
from bangfu.core.forms import BaseModelForm, BootstrapMixin
from bangfu.orgs.models import Unit


class SchemeForm(BaseModelForm):
    class Meta:
        model = Scheme
        fields = [
            "campaign",
            "name",
            "period_start",
            "period_end",
            "grade_method",
            "excellent_min",
            "good_min",
            "pass_min",
            "excellent_share",
            "good_share",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class IndicatorForm(BaseModelForm):
    class Meta:
        model = Indicator
        fields = [
            "order",
            "name",
            "kind",
            "measure",
            "params",
            "weight",
            "target",
            "branch_target",
            "zero_at",
            "max_points",
            "min_points",
            "description",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "params": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, scheme: Scheme | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if scheme is not None:
            self.instance.scheme = scheme
        from bangfu.assessment.measures import MEASURES

        self.fields["measure"].help_text = " ".join(
            f"{m.label}:{m.explanation}" for m in MEASURES.values()
        )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == IndicatorKind.MANUAL:
            data["measure"] = ""
            data["params"] = {}
        return data


class CopyForm(BootstrapMixin, forms.Form):
    campaign = forms.ModelChoiceField(label=_("复制到帮扶行动"), queryset=Campaign.objects.all())
    name = forms.CharField(label=_("新方案名称"), max_length=100)


class HandScoreForm(BootstrapMixin, forms.Form):
    """A unit's points on a hand-scored item; saving it again replaces the earlier score."""

    indicator = forms.ModelChoiceField(label=_("考核指标"), queryset=Indicator.objects.none())
    unit = forms.ModelChoiceField(label=_("单位"), queryset=Unit.objects.none())
    points = forms.DecimalField(label=_("得分"), max_digits=6, decimal_places=2)
    comment = forms.CharField(label=_("评分理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, scheme: Scheme, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = scheme.indicators.filter(kind=IndicatorKind.MANUAL)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units])
