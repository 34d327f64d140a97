from bangfu.core.forms import BaseModelForm
from bangfu.orgs.models import Branch, Member, Unit


class UnitForm(BaseModelForm):
    class Meta:
        model = Unit
        fields = [
            "name",
            "short_name",
            "sends_professionals",
            "committee_contact",
            "committee_phone",
        ]


class BranchForm(BaseModelForm):
    class Meta:
        model = Branch
        fields = ["unit", "name", "capacity"]


class MemberForm(BaseModelForm):
    class Meta:
        model = Member
        fields = [
            "branch",
            "name",
            "sex",
            "phone",
            "position",
            "is_party_member",
            "is_secretary",
            "is_leading_cadre",
            "cadre_rank",
            "is_professional",
            "specialty",
        ]
