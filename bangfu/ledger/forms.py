import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.core.forms import BaseModelForm
from bangfu.geo.forms import VillageField
from bangfu.ledger.models import Activity
from bangfu.orgs.models import Member


class ActivityForm(BaseModelForm):
    village = VillageField(label=_("村"))
    participants = forms.ModelMultipleChoiceField(
        label=_("参加人员"),
        queryset=Member.objects.select_related("branch"),
        help_text=_("每名参加人员计一人次。"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
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
            "summary",
            "days",
            "quantity",
            "amount",
            "fund_source",
        ]
        widgets = {"date": forms.DateInput(), "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].required = True
        for name in ("days", "quantity", "amount"):
            self.fields[name].required = False
        if self.instance.pk:
            self.initial["participants"] = list(
                self.instance.participations.values_list("member_id", flat=True)
            )
        else:
            self._suggest_defaults()

    def _suggest_defaults(self) -> None:
        """A new entry starts from what is most likely: the latest campaign, today, the
        user's own branch, and the user as the participant."""
        campaigns = self.fields["campaign"].queryset
        self.initial.setdefault("campaign", campaigns.first())
        self.initial.setdefault("date", datetime.date.today())
        branches = self.fields["branch"].queryset
        if len(branches[:2]) == 1:
            self.initial.setdefault("branch", branches.first())
        member_id = getattr(self.user, "member_id", None)
        if member_id:
            self.initial.setdefault("participants", [member_id])

    def clean_days(self) -> int:
        return self.cleaned_data.get("days") or 0

    def clean_quantity(self) -> int:
        return self.cleaned_data.get("quantity") or 0

    def clean_amount(self) -> Decimal:
        return self.cleaned_data.get("amount") or Decimal("0")

    def clean(self) -> dict:
        data = super().clean()
        branch = data.get("branch")
        if branch is not None:
            self.instance.unit_id = branch.unit_id
            outside = [
                m.name for m in data.get("participants") or [] if m.branch.unit_id != branch.unit_id
            ]
            if outside:
                self.add_error(
                    "participants",
                    _("以下人员不属于{unit}:{names}").format(
                        unit=branch.unit, names="、".join(outside)
                    ),
                )
        return data

    def save(self, commit: bool = True) -> Activity:
        """Save the activity and make its participants exactly those chosen (each change logged)."""
        activity = super().save(commit=True)
        wanted = {m.pk for m in self.cleaned_data["participants"]}
        current = {p.member_id: p for p in activity.participations.all()}
        for member_id, participation in current.items():
            if member_id not in wanted:
                participation.delete()
        for member_id in wanted - current.keys():
            activity.participations.create(member_id=member_id)
        return activity
