"""The five pairing kinds as data: what each needs and what hangs on it, in one table.

The rules (campaigns.rules), the service (which pairings are claims waiting for approval), the
import and the ledger (which pairing a piece of work belongs to) read this table instead of
branching on the kind. A sixth kind is a value in `choices.PairingKind` and a row here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.choices import PairingKind
from bangfu.ledger.choices import ActivityKind


@dataclass(frozen=True)
class KindSpec:
    kind: PairingKind
    # The member flag the helper must carry, with the refusal; None: the branch itself pairs.
    member_flag: str | None = None
    member_refusal: Promise | None = None
    # Paired with one household of the village (else with the village).
    household: bool = False
    # Takes one of a village's slots: the campaign's limits (region, one term at a time per
    # branch and village, branches per village, a branch's capacity) apply, and a claim from
    # someone who may not approve it waits for the unit committee.
    slot: bool = False
    # The ledger work done under a pairing of this kind by its member.
    activity_kind: ActivityKind | None = None


KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(PairingKind.BRANCH_VILLAGE, slot=True),
        KindSpec(
            PairingKind.SECRETARY_HOUSEHOLD,
            "is_secretary",
            _("只有支部书记可以牵头帮户。"),
            household=True,
        ),
        KindSpec(
            PairingKind.CADRE_STAY,
            "is_leading_cadre",
            _("只有领导干部可以进村蹲点。"),
            activity_kind=ActivityKind.STAY,
        ),
        KindSpec(
            PairingKind.EXPERT_VISIT,
            "is_professional",
            _("只有专业人才可以进村帮难。"),
            activity_kind=ActivityKind.EXPERT_VISIT,
        ),
        KindSpec(
            PairingKind.MEMBER_SERVICE,
            "is_party_member",
            _("只有党员可以进村服务。"),
            activity_kind=ActivityKind.SERVICE_VISIT,
        ),
    )
}

# The kinds that take a village's slot (the campaign's limits count them).
SLOT_KINDS = [k for k, spec in KINDS.items() if spec.slot]
# The pairing kind a piece of work of each ledger kind belongs to, by its member.
PAIRING_OF_ACTIVITY = {
    spec.activity_kind: kind for kind, spec in KINDS.items() if spec.activity_kind is not None
}


def spec(kind: str) -> KindSpec | None:
    """The spec of a kind (None for a value that is not a kind)."""
    return KINDS.get(kind)
