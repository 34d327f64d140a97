"""Ledger forms: one quick entry form whose fields follow the kind of work, problems, projects."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.choices import PairingKind, PairingState
from bangfu.campaigns.kinds import PAIRING_OF_ACTIVITY
from bangfu.campaigns.models import Campaign, Pairing
from bangfu.core.forms import BaseModelForm, BootstrapMixin, PickerWidget
from bangfu.geo.forms import VillageField
from bangfu.ledger import rules
from bangfu.ledger.choices import ActivityKind, ProblemCategory, ProblemState
from bangfu.ledger.models import Activity, Problem, Project, ProjectFunding, ProjectMilestone
from bangfu.ledger.photos import forget_kept, kept_photos, max_photos
from bangfu.orgs.models import Member
from bangfu.registry.models import Household

# The fields each kind of work asks for, beyond the common ones, and how the text is labelled.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    ActivityKind.STAY: ("days",),
    ActivityKind.EXPERT_VISIT: ("households",),
    ActivityKind.SERVICE_VISIT: ("households",),
    ActivityKind.SURVEY: ("households",),
    ActivityKind.POLICY_SUPPORT: ("quantity", "households"),
    ActivityKind.TECH_SERVICE: ("quantity",),
    ActivityKind.DEV_IDEA: ("quantity",),
    ActivityKind.PARTY_BUILDING: (),
    ActivityKind.FUNDS: ("amount", "fund_source"),
}
SUMMARY_LABELS = {
    ActivityKind.STAY: _("调研发现"),
    ActivityKind.EXPERT_VISIT: _("帮难内容"),
    ActivityKind.SERVICE_VISIT: _("服务内容"),
    ActivityKind.SURVEY: _("摸底情况"),
    ActivityKind.POLICY_SUPPORT: _("政策和信息内容"),
    ActivityKind.TECH_SERVICE: _("服务内容"),
    ActivityKind.DEV_IDEA: _("发展思路"),
    ActivityKind.PARTY_BUILDING: _("帮扶内容"),
    ActivityKind.FUNDS: _("资金用途"),
}
QUANTITY_LABELS = {
    ActivityKind.POLICY_SUPPORT: _("政策和信息条数"),
    ActivityKind.TECH_SERVICE: _("服务人数"),
    ActivityKind.DEV_IDEA: _("思路条数"),
}
# Kinds that can record problems solved on the spot.
SOLVES_ON_SITE = (ActivityKind.STAY, ActivityKind.EXPERT_VISIT, ActivityKind.SERVICE_VISIT)
COMMON_FIELDS = ["campaign", "date", "branch", "village", "participants", "summary"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files from one input; each is checked when the activity is saved."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "multiple": True})
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        if not data:
            return []
        from bangfu.ledger.photos import check_photo

        files = data if isinstance(data, list | tuple) else [data]
        files = [super(PhotosField, self).clean(f, initial) for f in files]
        errors = []
        for upload in files:
            try:
                check_photo(upload)
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return files


class ActivityForm(BaseModelForm):
    """A ledger entry; `kind` decides which fields it asks for."""

    village = VillageField(
        label=_("村"), help_text=_("选了贫困户可以不填:按贫困户所在的村自动填写。")
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("参加人员"),
        queryset=Member.objects.select_related("branch"),
        help_text=_("输入姓名搜索;每名参加人员计一人次。"),
        widget=PickerWidget("orgs.Member"),
    )
    households = forms.ModelMultipleChoiceField(
        label=_("涉及贫困户"),
        queryset=Household.objects.all(),
        to_field_name="number",
        required=False,
        help_text=_("输入户主姓名或户编号搜索。"),
        widget=PickerWidget("registry.Household", key="number"),
    )
    photos = PhotosField(label=_("照片"), required=False)
    problem = forms.ModelChoiceField(
        label=_("解决的问题"),
        queryset=Problem.objects.exclude(state=ProblemState.VERIFIED),
        required=False,
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Activity
        fields = [
            "campaign",
            "kind",
            "date",
            "branch",
            "village",
            "participants",
            "households",
            "summary",
            "days",
            "quantity",
            "amount",
            "fund_source",
        ]
        widgets = {
            "kind": forms.HiddenInput,
            "date": forms.DateInput(),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "days": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
            "quantity": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
            "amount": forms.NumberInput(attrs={"inputmode": "decimal", "min": 0, "step": "0.01"}),
        }

    def __init__(self, *args: Any, kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self._infer_village()
        kind = kind or self.instance.kind or self.data.get("kind") or self.initial.get("kind")
        if kind not in ActivityKind.values:
            kind = ActivityKind.SERVICE_VISIT
        self.kind = ActivityKind(kind)
        self.initial["kind"] = self.kind
        wanted = {"kind", *COMMON_FIELDS, *KIND_FIELDS[self.kind], "photos", "problem"}
        for name in list(self.fields):
            if name not in wanted and name != "loaded_version":
                del self.fields[name]
        self.fields["summary"].label = SUMMARY_LABELS[self.kind]
        if "quantity" in self.fields:
            self.fields["quantity"].label = QUANTITY_LABELS[self.kind]
        # The kind's figure is asked for in the browser; a missing one is refused by the
        # entry rules (ledger.rules) in their own words, as on every other path.
        for name in ("days", "quantity", "amount"):
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].widget.attrs["required"] = True
        if "fund_source" in self.fields:
            self.fields["fund_source"].required = True
        self.fields["branch"].required = True
        self.fields["photos"].help_text = _("最多{n}张,JPEG或PNG;位置等信息会被去掉。").format(
            n=max_photos()
        )
        if self.instance.pk:
            self.initial["participants"] = list(
                self.instance.participations.values_list("member_id", flat=True)
            )
            self.initial["households"] = list(
                self.instance.households.values_list("number", flat=True)
            )
        else:
            self._suggest_defaults()
            self._start_from_problem()
            for name in ("days", "quantity", "amount"):
                self.initial.setdefault(name, None)  # blank, not a misleading 0

    def _infer_village(self) -> None:
        """A visit names its households: when the village is left blank and they all live in
        one village, that is the village (a branch with two villages is not asked twice)."""
        name = self.add_prefix("village")
        key = self.add_prefix("households")
        # A page posts a QueryDict; the API hands the form a plain dict with a list.
        raw = self.data.getlist(key) if hasattr(self.data, "getlist") else self.data.get(key)
        numbers = [n for n in ([raw] if isinstance(raw, str) else raw or []) if n]
        if self.data.get(name) or not numbers:
            return
        codes = set(
            Household.objects.filter(number__in=numbers).values_list("village__code", flat=True)
        )
        if len(codes) == 1:
            self.data = self.data.copy()
            self.data[name] = codes.pop()

    def _suggest_defaults(self) -> None:
        """A new entry starts from what is most likely: the latest campaign, today (within its
        period), the user's own branch and its village, and the user as the participant."""
        from bangfu.campaigns.services import default_start

        campaign = self.initial.setdefault("campaign", self.fields["campaign"].queryset.first())
        # Today, kept within the campaign's period (an entry outside it is refused).
        on = default_start(campaign) if isinstance(campaign, Campaign) else datetime.date.today()
        self.initial.setdefault("date", on)
        branches = self.fields["branch"].queryset
        if len(branches[:2]) == 1:
            branch = branches.first()
            self.initial.setdefault("branch", branch)
            villages = list(
                Pairing.objects.filter(
                    branch=branch,
                    kind=PairingKind.BRANCH_VILLAGE,
                    state=PairingState.APPROVED,
                    end__isnull=True,
                ).values_list("village__code", flat=True)[:2]
            )
            if len(villages) == 1:
                self.initial.setdefault("village", villages[0])
        member_id = getattr(self.user, "member_id", None)
        if member_id:
            self.initial.setdefault("participants", [member_id])

    def _start_from_problem(self) -> None:
        """Work recorded from a problem's page starts in the problem's village and branch."""
        wanted = str(self.initial.get("problem") or "")
        problem = (
            self.fields["problem"].queryset.select_related("village").filter(pk=wanted).first()
            if wanted.isdigit()
            else None
        )
        if problem is None:
            self.initial.pop("problem", None)
            return
        self.initial["village"] = problem.village.code
        if problem.branch_id:
            self.initial["branch"] = problem.branch_id
        self.initial.setdefault("summary", _("解决问题:{title}").format(title=problem.title))

    def clean_days(self) -> int:
        return self.cleaned_data.get("days") or 0

    def clean_quantity(self) -> int:
        return self.cleaned_data.get("quantity") or 0

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount < 0:
            raise forms.ValidationError(_("金额不能为负数。"))
        return amount or Decimal("0")

    def clean(self) -> dict:
        data = super().clean()
        branch = data.get("branch")
        if branch is not None:
            self.instance.unit_id = branch.unit_id
        village = data.get("village")
        problem = data.get("problem")
        if problem is not None and village is not None and problem.village_id != village.pk:
            self.add_error(
                "village", _("所解决的问题在{village}。").format(village=problem.village)
            )
        for field, message in rules.people_problems(
            branch.unit if branch is not None else None,
            village,
            data.get("participants") or [],
            data.get("households") or [],
        ):
            self.add_error(field, message)
        # Photos kept from an earlier try that failed to save join the ones chosen now.
        kept = []
        if self.is_bound and "photos" in self.fields and hasattr(self.data, "getlist"):
            kept = kept_photos(self.user, self.data.getlist("kept_photos"))
        self.kept_tokens = [token for token, _file in kept]
        photos = [file for _token, file in kept] + (data.get("photos") or [])
        if "photos" in data or kept:
            data["photos"] = photos
        have = self.instance.photos.count() if self.instance.pk else 0
        if have + len(photos) > max_photos():
            self.add_error(
                "photos",
                _("每条台账最多{limit}张照片,已有{have}张。").format(limit=max_photos(), have=have),
            )
        return data

    def _find_pairing(self, activity: Activity) -> Pairing | None:
        """The active pairing this work belongs to: the kind's own pairing of a participant,
        else the branch's pairing with the village."""
        pairings = Pairing.objects.filter(
            campaign_id=activity.campaign_id,
            branch_id=activity.branch_id,
            village_id=activity.village_id,
        ).in_force(activity.date)
        member_kind = PAIRING_OF_ACTIVITY.get(self.kind)
        if member_kind:
            members = [m.pk for m in self.cleaned_data["participants"]]
            found = pairings.filter(kind=member_kind, member_id__in=members).first()
            if found:
                return found
        return pairings.filter(kind=PairingKind.BRANCH_VILLAGE).first()

    def save(self, commit: bool = True) -> Activity:
        """Save the entry, its participants, households and photos (each change logged)."""
        from bangfu.ledger.photos import add_photos
        from bangfu.ledger.services import record_activity

        activity = super().save(commit=False)
        activity.pairing = self._find_pairing(activity)
        record_activity(
            activity,
            self.cleaned_data["participants"],
            self.cleaned_data["households"] if "households" in self.fields else None,
        )
        if self.cleaned_data.get("photos"):
            add_photos(activity, self.cleaned_data["photos"])
        tokens = getattr(self, "kept_tokens", [])
        if tokens:
            transaction.on_commit(lambda: forget_kept(tokens))
        problem = self.cleaned_data.get("problem")
        if problem is not None:
            problem.activities.add(activity)
            if problem.state == ProblemState.OPEN:
                problem.state = ProblemState.IN_PROGRESS
                problem.save()
        return activity


class SolvedProblemForm(BootstrapMixin, forms.Form):
    """One problem solved on the spot during a stay or visit."""

    category = forms.ChoiceField(
        label=_("问题类别"), choices=[("", _("问题类别")), *ProblemCategory.choices], required=False
    )
    title = forms.CharField(
        label=_("解决的问题"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("解决了什么问题")}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("title") and not data.get("category"):
            self.add_error("category", _("请选择问题类别。"))
        return data


SolvedProblemFormSet = forms.formset_factory(SolvedProblemForm, extra=2, max_num=10)


def suggest_defaults(form: forms.ModelForm, date_field: str) -> None:
    """A new problem or project starts today, in the latest campaign, in the user's unit if
    they have one."""
    form.initial.setdefault(date_field, datetime.date.today())
    form.initial.setdefault("campaign", form.fields["campaign"].queryset.first())
    units = form.fields["unit"].queryset
    if len(units[:2]) == 1:
        form.initial.setdefault("unit", units.first())


class ProblemForm(BaseModelForm):
    village = VillageField(label=_("村"))
    household = forms.ModelChoiceField(
        label=_("贫困户"),
        queryset=Household.objects.all(),
        to_field_name="number",
        required=False,
        widget=forms.TextInput,
    )

    class Meta:
        model = Problem
        fields = [
            "campaign",
            "village",
            "household",
            "category",
            "title",
            "description",
            "unit",
            "branch",
            "owner",
            "raised_on",
            "deadline",
        ]
        widgets = {
            "raised_on": forms.DateInput(),
            "deadline": forms.DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from bangfu.core.forms import SearchWidget

        self.fields["household"].widget = SearchWidget("registry.Household")
        self.fields["household"].widget.attrs["class"] = "form-control"
        self.fields["owner"].queryset = self.fields["owner"].queryset.select_related("branch")
        if not self.instance.pk:
            suggest_defaults(self, "raised_on")
        elif self.instance.household_id:
            self.initial["household"] = self.instance.household.number
        if self.instance.pk and self.instance.state != ProblemState.OPEN:
            self.fields["raised_on"].disabled = True


class ProjectForm(BaseModelForm):
    village = VillageField(label=_("村"))
    beneficiaries = forms.ModelMultipleChoiceField(
        label=_("受益贫困户"),
        queryset=Household.objects.all(),
        to_field_name="number",
        required=False,
        help_text=_("输入户主姓名或户编号搜索。"),
        widget=PickerWidget("registry.Household", key="number"),
    )

    class Meta:
        model = Project
        fields = [
            "campaign",
            "name",
            "village",
            "unit",
            "branch",
            "origin",
            "sector",
            "state",
            "date",
            "start",
            "beneficiaries",
            "description",
        ]
        widgets = {
            "date": forms.DateInput(),
            "start": forms.DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["beneficiaries"] = list(
                self.instance.beneficiaries.values_list("number", flat=True)
            )
        else:
            suggest_defaults(self, "date")

    def clean(self) -> dict:
        data = super().clean()
        village = data.get("village")
        if village is not None:
            elsewhere = [
                h.head_name for h in data.get("beneficiaries") or [] if h.village_id != village.pk
            ]
            if elsewhere:
                self.add_error(
                    "beneficiaries",
                    _("以下贫困户不在{village}:{names}").format(
                        village=village.name, names="、".join(elsewhere)
                    ),
                )
        return data


class FundingForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ProjectFunding
        fields = ["source", "amount"]
        widgets = {"amount": forms.NumberInput(attrs={"min": 0, "step": "0.01"})}


class MilestoneForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ProjectMilestone
        fields = ["title", "due", "done_on"]
        widgets = {"due": forms.DateInput(), "done_on": forms.DateInput()}

    def clean_done_on(self) -> datetime.date | None:
        done = self.cleaned_data.get("done_on")
        if done and done > datetime.date.today():
            raise forms.ValidationError(_("完成日期不能晚于今天。"))
        return done


FundingFormSet = forms.inlineformset_factory(
    Project, ProjectFunding, form=FundingForm, extra=1, can_delete=True
)
MilestoneFormSet = forms.inlineformset_factory(
    Project, ProjectMilestone, form=MilestoneForm, extra=1, can_delete=True
)
