"""Which slice of the campaign the dashboard shows: campaign, region, unit or branch, period.

Every choice is limited to the user's scope, and the slice built from the form is restricted
by it again (FigureSlice.user), so a crafted URL naming something outside it shows nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.models import Campaign
from bangfu.core.forms import BootstrapMixin, SearchWidget, fits_integer
from bangfu.core.scope import CODE_PREFIX_LENGTH
from bangfu.dashboard.figures import FigureSlice
from bangfu.geo.choices import Level
from bangfu.geo.models import Region
from bangfu.orgs.models import Branch, Unit


def regions_for(user: Any) -> QuerySet:
    """The regions a user may pick as a slice: everything for the province-wide, the regions
    within a region scope, and for a unit or branch the villages it works in and the
    townships, counties, prefectures and province above them."""
    scope = user.scope
    if scope.everything:
        return Region.objects.all()
    if scope.nothing or not user.has_perm("geo.view_region"):
        return Region.objects.none()
    if scope.region_prefix is not None:
        return Region.objects.filter(code__startswith=scope.region_prefix)
    codes = Region.objects.restrict(user, "view").values_list("code", flat=True)
    above = {code[:n].ljust(12, "0") for code in codes for n in CODE_PREFIX_LENGTH.values()}
    return Region.objects.filter(code__in=above)


def region_label(region: Region) -> str:
    """What a search option and the current choice say: the name, its level and parents."""
    return f"{region.full_name() or region.name} · {region.get_level_display()}"


class RegionSearchWidget(SearchWidget):
    """A search box over divisions of every level (Region.search finds villages only)."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__("geo.Region", attrs)

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict:
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["hx-get"] = reverse("dashboard:region_search")
        context["widget"]["attrs"]["placeholder"] = _("输入地名或区划代码")
        return context

    def label_of(self, value: Any) -> str:
        if not value or not str(value).isdigit():
            return ""
        region = (
            Region.objects.filter(code=str(value).ljust(12, "0"))
            .select_related("parent__parent__parent")
            .first()
        )
        return region_label(region) if region else ""


class FigureSliceForm(BootstrapMixin, forms.Form):
    """Which slice of the campaign the dashboard shows; choices limited to the user's scope."""

    campaign = forms.ModelChoiceField(
        label=_("帮扶行动"), queryset=Campaign.objects.all(), required=False, empty_label=None
    )
    region = forms.RegexField(
        label=_("区域"),
        regex=r"^\d{2,12}$",
        required=False,
        widget=RegionSearchWidget(),
        error_messages={"invalid": _("区划代码应为2至12位数字。")},
    )
    unit = forms.ModelChoiceField(
        label=_("单位"), queryset=Unit.objects.all(), required=False, empty_label=_("全部单位")
    )
    branch = forms.ModelChoiceField(
        label=_("党支部"),
        queryset=Branch.objects.all(),
        required=False,
        empty_label=_("全部支部"),
    )
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput())
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("campaign", "unit", "branch"):
            self.fields[name].widget.template_name = "dashboard/widgets/select.html"
        # Choosing a unit reloads the page with its branches to choose from (core page.js).
        self.fields["unit"].widget.attrs.update(
            {"data-autosubmit": "", "data-clear-on-change": "branch"}
        )
        # Branches are listed for the chosen unit only (a province holds thousands).
        # A branch's own user keeps the (scope-restricted) list: it holds just their branch.
        unit = self.data.get("unit") if self.is_bound else None
        own_branch = self.user is not None and self.user.scope.branch_id
        if not own_branch:
            branches = self.fields["branch"].queryset
            chosen = unit and str(unit).isdigit() and fits_integer(unit)
            self.fields["branch"].queryset = (
                branches.filter(unit_id=unit) if chosen else branches.none()
            )

    def clean_region(self) -> Region | None:
        code = self.cleaned_data.get("region")
        if not code:
            return None
        allowed = regions_for(self.user) if self.user is not None else Region.objects.all()
        region = allowed.filter(code=code.ljust(12, "0")).first()
        if region is None:
            raise forms.ValidationError(_("找不到这个区划,或不在您的查看范围内。"))
        return region

    def clean(self) -> dict:
        data = super().clean()
        branch, unit = data.get("branch"), data.get("unit")
        if branch is not None:
            if unit is not None and branch.unit_id != unit.pk:
                self.add_error("branch", _("党支部不属于所选单位。"))
            else:
                data["unit"] = branch.unit
        return data

    def slice(self, campaign: Campaign) -> FigureSlice:
        """The slice the (valid) form names; fields left empty or invalid do not narrow it."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        region, unit, branch = data.get("region"), data.get("unit"), data.get("branch")
        return FigureSlice(
            campaign=data.get("campaign") or campaign,
            region_prefix=region.prefix if region else None,
            unit_id=unit.pk if unit else None,
            branch_id=branch.pk if branch else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            user=self.user,
        )

    def chosen_region(self) -> Region | None:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("region")


def region_path(region: Region | None, allowed: QuerySet) -> tuple[list[Region], list[Region]]:
    """The region tree around a choice: its ancestors (breadcrumbs) and its children, both
    within what the user may pick; with no choice, the top of what they may pick."""
    if region is None:
        levels = [Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]
        for level in levels:
            top = list(allowed.filter(level=level).order_by("code")[:60])
            if top:
                return [], top
        return [], []
    codes = [region.code[:n].ljust(12, "0") for n in CODE_PREFIX_LENGTH.values()]
    ancestors = list(allowed.filter(code__in=codes).exclude(pk=region.pk).order_by("code"))
    children = list(allowed.filter(Q(parent=region)).order_by("code")[:60])
    return [*ancestors, region], children
