from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.models import Pairing
from bangfu.core.forms import BaseModelForm, NaturalKeyChoiceField, SearchWidget
from bangfu.geo.forms import VillageField
from bangfu.orgs.models import Member
from bangfu.registry.models import Household


class PairingForm(BaseModelForm):
    # A branch claims villages it is not yet paired with: search the whole province.
    unrestricted_fields = ("village",)
    village = VillageField(label=_("村"), widget=SearchWidget("geo.Region", everywhere=True))
    member = forms.ModelChoiceField(
        label=_("帮扶人"),
        queryset=Member.objects.all(),
        required=False,
        widget=SearchWidget("orgs.Member"),
        error_messages={"invalid_choice": _("找不到这名党员干部,请从搜索结果中选择。")},
    )
    household = NaturalKeyChoiceField(
        label=_("贫困户"),
        queryset=Household.objects.all(),
        required=False,
        to_field_name="number",
        widget=SearchWidget("registry.Household"),
        error_messages={"invalid_choice": _("找不到这个贫困户,请从搜索结果中选择。")},
    )

    class Meta:
        model = Pairing
        fields = [
            "campaign",
            "kind",
            "branch",
            "member",
            "village",
            "household",
            "origin",
            "start",
            "end",
        ]
        widgets = {"start": forms.DateInput(), "end": forms.DateInput()}
