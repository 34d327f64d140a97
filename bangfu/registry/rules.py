"""The registry's rules, each written once: the household form and formset, the model's
clean(), the API (through the form) and the registry import all call these.

The interface is set-wise: a rule takes columns (one value per row) and gives back the rows
it refuses as (index, field, message), so the million-row import checks a batch with one call
per rule, while a form passes a batch of one. Which fields are personal is the models'
`personal_fields`, read from there.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.orgs.choices import Sex
from bangfu.registry import idnumber
from bangfu.registry.choices import HouseholdStatus

Refusal = tuple[int, str, str]  # (row index, model field, message)

CENT = Decimal("0.01")
MAX_PER_HEAD = 1_000_000  # yuan a year: the stored total (12 digits) holds any household's
FIRST_YEAR = 1949

# --- A lifted household names the year it was lifted out ---------------------------------

# The database keeps it too (a check constraint built from this condition and message).
LIFTED_HAS_EXIT_YEAR = ~Q(status=HouseholdStatus.LIFTED) | Q(exit_year__isnull=False)
LIFTED_NEEDS_EXIT_YEAR = gettext_lazy("已脱贫的户须填写脱贫年度。")


def check_exit_years(statuses: Sequence[str], exit_years: Sequence[int | None]) -> list[Refusal]:
    """Households lifted out (脱贫) without an exit year."""
    return [
        (k, "exit_year", str(LIFTED_NEEDS_EXIT_YEAR))
        for k, (status, year) in enumerate(zip(statuses, exit_years, strict=True))
        if status == HouseholdStatus.LIFTED and not year
    ]


# --- One head per household ----------------------------------------------------------------


def check_heads(heads: Sequence[int]) -> list[Refusal]:
    """Households (given by their number of heads) without exactly one head (户主)."""
    return [
        (k, "relation", _("每户须有且只有一名户主,这一户有{n}名。").format(n=n))
        for k, n in enumerate(heads)
        if n != 1
    ]


# --- The ID number decides sex and birth date ------------------------------------------------


def derive_from_ids(numbers: Sequence[str]) -> tuple[list[str], list[datetime.date | None]]:
    """The sex and birth date each valid, normalised 18-digit ID number gives (digits 7–14
    are the birth date); '' and None for a blank. `idnumber.parse` reads one number the same
    way; this reads a batch, one date object per distinct birth date, not per person."""
    sexes: list[str] = []
    births: list[datetime.date | None] = []
    dates: dict[str, datetime.date] = {}
    for number in numbers:
        if not number:
            sexes.append("")
            births.append(None)
            continue
        sexes.append(idnumber.sex_of(number))
        born = number[6:14]
        birth = dates.get(born)
        if birth is None:
            birth = dates[born] = datetime.date(int(born[:4]), int(born[4:6]), int(born[6:]))
        births.append(birth)
    return sexes, births


def check_identity(
    derived_sexes: Sequence[str],
    derived_births: Sequence[datetime.date | None],
    sexes: Sequence[str | None] | None,
    births: Sequence[datetime.date | None] | None,
    rows: Iterable[int] | None = None,
) -> list[Refusal]:
    """People whose given sex or birth date contradicts their ID number (as derived by
    `derive_from_ids`); a blank given value is no contradiction (it is derived instead).
    `rows`: the indexes to check (default all); `sexes`/`births` None: not given at all."""
    found: list[Refusal] = []
    indexes = range(len(derived_sexes)) if rows is None else rows
    for k in indexes:
        if sexes is not None:
            sex = sexes[k]
            if sex and derived_sexes[k] and sex != derived_sexes[k]:
                message = _("性别与身份证号码不符:号码显示为{sex}。").format(
                    sex=Sex(derived_sexes[k]).label
                )
                found.append((k, "sex", message))
        if births is not None:
            birth = births[k]
            if birth and derived_births[k] and birth != derived_births[k]:
                message = _("出生日期与身份证号码不符:号码显示为{date}。").format(
                    date=derived_births[k].isoformat()
                )
                found.append((k, "birth_date", message))
    return found


# --- Defaults for what a registry file leaves out -------------------------------------------


def registry_year() -> int:
    """The year a registry file's facts are taken to be for when it does not say: the year
    of the import. A new household without 识别年度 is identified in it; a per-head income
    without 收入年度 is that year's income (the registry as it stands now)."""
    return timezone.localdate().year


# --- Per-head income from a registry file ----------------------------------------------------


@dataclass
class IncomeRow:
    """A household's per-head net income (人均纯收入) as a file gives it."""

    row: int  # the spreadsheet row, for messages
    per_head: Decimal
    year: int


def check_incomes(incomes: Sequence[IncomeRow]) -> list[Refusal]:
    """Per-head incomes that cannot be a year's income: negative, too large to keep, or for
    a year before the registry or after this one."""
    found: list[Refusal] = []
    last = registry_year() + 1
    for k, given in enumerate(incomes):
        if not 0 <= given.per_head < MAX_PER_HEAD:
            found.append(
                (k, "per_head_income", _("人均纯收入应在0到{n}元之间。").format(n=MAX_PER_HEAD))
            )
        if not FIRST_YEAR <= given.year <= last:
            found.append(
                (
                    k,
                    "income_year",
                    _("收入年度应在{first}到{last}之间。").format(first=FIRST_YEAR, last=last),
                )
            )
    return found


def apply_incomes(
    incomes: dict[str, IncomeRow], user: Any, result: Any
) -> list[tuple[int, str, str]]:
    """Record each household's (by number) per-head income as its net income for the year:
    per head × the people registered, the part not already registered by source kept as
    unsourced income. Counted in `result`; gives (row, field, reason) for those it refuses
    (`check_incomes`, or a figure below what is registered by source)."""
    from django.db.models import Count, prefetch_related_objects

    from bangfu.core.changelog import record_bulk, serialize_instance
    from bangfu.registry.models import Household, HouseholdIncome, Person

    numbers = list(incomes)
    refused: list[tuple[int, str, str]] = []
    for k, name, message in check_incomes([incomes[n] for n in numbers]):
        refused.append((incomes[numbers[k]].row, name, message))
    if refused:
        return refused
    to_create, to_update, unchanged = [], [], 0
    for start in range(0, len(numbers), 5000):
        chunk = numbers[start : start + 5000]
        pks = dict(Household.objects.filter(number__in=chunk).values_list("number", "pk"))
        people = dict(
            Person.objects.filter(household_id__in=pks.values())
            .values_list("household_id")
            .annotate(n=Count("pk"))
            .values_list("household_id", "n")
        )
        existing = {
            (i.household_id, i.year): i
            for i in HouseholdIncome.objects.filter(
                household_id__in=pks.values(), year__in={incomes[n].year for n in chunk}
            )
        }
        for number in chunk:
            pk = pks.get(number)
            if pk is None:  # refused for another reason
                continue
            given = incomes[number]
            n = people.get(pk, 0)
            total = (given.per_head * n).quantize(CENT, rounding=ROUND_HALF_UP)
            income = existing.get((pk, given.year))
            if income is None:
                to_create.append(
                    HouseholdIncome(household_id=pk, year=given.year, unsourced_income=total)
                )
                continue
            if n and (income.total / n).quantize(CENT, ROUND_HALF_UP) == given.per_head.quantize(
                CENT, ROUND_HALF_UP
            ):
                unchanged += 1
                continue
            sourced = income.total - income.unsourced_income
            if total < sourced:
                refused.append(
                    (
                        given.row,
                        "per_head_income",
                        _(
                            "低于该户{year}年已登记的分项收入:人均{amount}元。请核对或先修改分项收入。"
                        ).format(year=given.year, amount=(sourced / n).quantize(CENT)),
                    )
                )
                continue
            income.unsourced_income = total - sourced
            income.updated = timezone.now()
            to_update.append(income)
    HouseholdIncome.objects.bulk_create(to_create, batch_size=2000)
    HouseholdIncome.objects.bulk_update(to_update, ["unsourced_income", "updated"], batch_size=2000)
    prefetch_related_objects(to_create + to_update, "household")
    record_bulk(
        [(i, "create", None, serialize_instance(i)) for i in to_create]
        + [(i, "update", i.changelog_before(), serialize_instance(i)) for i in to_update],
        user,
    )
    label = str(HouseholdIncome._meta.verbose_name)
    result.count("created", label, len(to_create))
    result.count("updated", label, len(to_update))
    result.count("unchanged", label, unchanged)
    return refused
