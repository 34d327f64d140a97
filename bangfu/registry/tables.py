import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from bangfu.core.personal import can_see_personal_data, mask
from bangfu.core.tables import BaseTable
from bangfu.registry.models import Household, Person


class HouseholdTable(BaseTable):
    number = tables.Column(linkify=True)
    head_name = tables.Column(linkify=True)
    village = tables.Column(linkify=True)
    people_count = tables.Column(verbose_name=_("人口"), orderable=True, default=0)

    class Meta(BaseTable.Meta):
        model = Household
        fields = (
            "number",
            "head_name",
            "village",
            "attribute",
            "main_cause",
            "status",
            "people_count",
        )


class PersonTable(BaseTable):
    """People of a household; ID numbers masked for users without the personal-data right."""

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reveal = can_see_personal_data(user)

    def render_id_number(self, value: str) -> str:
        return value if getattr(self, "reveal", False) else mask(value)

    class Meta(BaseTable.Meta):
        model = Person
        fields = (
            "name",
            "relation",
            "id_number",
            "sex",
            "birth_date",
            "health",
            "labour_ability",
            "education",
            "schooling",
        )
