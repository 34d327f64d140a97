"""Data quality checks of the registry (数据质量检查): what must be fixed before figures
computed from the registry can be trusted.

Each check is a function over a Person or Household queryset the caller has already scoped
with `restrict(user, "view")`. The set-based checks return querysets (GROUP BY / Exists in the
database); the two that need Python (ID validity, ages within a family) stream the rows with
`.iterator()` and yield only the problems, so no check holds the people table in memory.
`findings()` runs them for a user and turns the results into rows a person can act on.
"""

from __future__ import annotations

import datetime
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CharField, Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.core.personal import can_see_personal_data, mask
from bangfu.orgs.choices import Sex
from bangfu.registry import idnumber
from bangfu.registry.choices import Relation
from bangfu.registry.models import Household, Person

CHUNK_SIZE = 5000  # rows per fetch when a check streams people through Python
IN_BATCH = 1000  # values per `IN (...)` when details of found people are fetched
ID_CARD_AGE = 16  # residents must hold an ID card from this age on
WELL_FORMED = r"^[0-9]{17}[0-9X]$"


class Check(models.TextChoices):
    DUPLICATE_ID = "duplicate_id", gettext_lazy("身份证号码重复")
    TWO_HOUSEHOLDS = "two_households", gettext_lazy("一人登记在多户")
    INVALID_ID = "invalid_id", gettext_lazy("身份证号码无效")
    ID_MISMATCH = "id_mismatch", gettext_lazy("出生日期或性别与身份证号码不符")
    HEAD_COUNT = "head_count", gettext_lazy("无户主或多个户主")
    RELATION_AGE = "relation_age", gettext_lazy("家庭关系与年龄不合理")
    MISSING_ID = "missing_id", gettext_lazy("已满16岁未登记身份证号码")


class Severity(models.TextChoices):
    ERROR = "error", gettext_lazy("错误")
    WARNING = "warning", gettext_lazy("警告")


CHECK_ORDER = {value: i for i, value in enumerate(Check.values)}


# --- Scoping -------------------------------------------------------------------------------


def scoped_people(user: Any, region: str = "") -> models.QuerySet:
    """People the user may see, within a region code prefix if one is given."""
    people = Person.objects.restrict(user, "view").order_by()
    return people.filter(household__village__code__startswith=region) if region else people


def scoped_households(user: Any, region: str = "") -> models.QuerySet:
    """Households the user may see, within a region code prefix if one is given."""
    households = Household.objects.restrict(user, "view").order_by()
    return households.filter(village__code__startswith=region) if region else households


# --- The checks ----------------------------------------------------------------------------


def duplicate_numbers(people: models.QuerySet) -> models.QuerySet:
    """ID numbers that `people` hold and that two or more people hold anywhere in the province.

    Counted over every person, not only the visible ones: a duplicate whose other half lies
    outside the user's scope is still a duplicate the user must know about.
    """
    held = people.exclude(id_number="").order_by().values("id_number")
    return (
        Person.objects.filter(id_number__in=held)
        .order_by()
        .values("id_number")
        .annotate(holders=Count("pk"))
        .filter(holders__gt=1)
        .values("id_number")
    )


def two_household_numbers(people: models.QuerySet) -> models.QuerySet:
    """ID numbers that `people` hold and that are registered in two or more households."""
    held = people.exclude(id_number="").order_by().values("id_number")
    return (
        Person.objects.filter(id_number__in=held)
        .order_by()
        .values("id_number")
        .annotate(households=Count("household", distinct=True))
        .filter(households__gt=1)
        .values("id_number")
    )


def duplicate_id_people(people: models.QuerySet) -> models.QuerySet:
    """Check 1: every one of `people` whose ID number another person also holds."""
    return people.filter(id_number__in=duplicate_numbers(people))


def people_in_two_households(people: models.QuerySet) -> models.QuerySet:
    """Check 2 (a subset of 1): people whose ID number is registered in another household too,
    the case that can draw benefits twice."""
    return people.filter(id_number__in=two_household_numbers(people))


class Problem(NamedTuple):
    """A problem a Python-side check found with one person."""

    person_id: int
    severity: str
    message: str


def invalid_ids(people: models.QuerySet, reveal: bool = True) -> Iterator[Problem]:
    """Check 3: ID numbers that fail GB 11643 (length, format, date, check digit, address), and
    valid numbers stored un-normalised (a lower-case x or a space hides duplicates).

    Streams the ID column; the library check runs in Python. Without `reveal`, a message never
    repeats the digits a masked number hides (the birth date).
    """
    rows = (
        people.exclude(id_number="")
        .order_by()
        .values_list("pk", "id_number")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for pk, number in rows:
        try:
            info = idnumber.parse(number)
        except ValidationError as error:
            if error.code == "date" and not reveal:
                message = _("身份证号码中的出生日期不存在或不合理。")
            else:
                message = "".join(error.messages)
            yield Problem(pk, Severity.ERROR, message)
            continue
        if info.number != number:
            yield Problem(
                pk, Severity.WARNING, _("身份证号码含空格、全角字符或小写x,请按身份证重新录入。")
            )


def id_mismatches(people: models.QuerySet) -> models.QuerySet:
    """Check 4: people whose recorded sex or birth date differs from their ID number's.

    Only well-formed numbers are compared (the others are invalid, check 3). The ID's birth
    date is compared as ISO text, which SQLite stores and PostgreSQL prints for a date.
    """
    odd, even = ("1", "3", "5", "7", "9"), ("0", "2", "4", "6", "8")
    id_birth = Concat(
        Substr("id_number", 7, 4),
        Value("-"),
        Substr("id_number", 11, 2),
        Value("-"),
        Substr("id_number", 13, 2),
        output_field=CharField(),
    )
    return (
        people.filter(id_number__regex=WELL_FORMED)
        .annotate(
            id_sex_digit=Substr("id_number", 17, 1),
            id_birth=id_birth,
            birth_text=Cast("birth_date", CharField()),
        )
        .filter(
            Q(sex=Sex.MALE, id_sex_digit__in=even)
            | Q(sex=Sex.FEMALE, id_sex_digit__in=odd)
            | (Q(birth_date__isnull=False) & ~Q(birth_text=models.F("id_birth")))
        )
    )


def head_problems(households: models.QuerySet) -> models.QuerySet:
    """Check 5: households with no head (户主) or with two or more, annotated with `heads`.

    Every figure per household (income per head, the head's name on every form) needs exactly
    one head.
    """
    heads = Person.objects.filter(relation=Relation.HEAD).order_by()
    several = heads.values("household").annotate(n=Count("pk")).filter(n__gt=1)
    count = heads.filter(household=OuterRef("pk")).values("household").annotate(n=Count("pk"))
    return households.filter(
        ~Exists(heads.filter(household=OuterRef("pk"))) | Q(pk__in=several.values("household"))
    ).annotate(heads=Coalesce(Subquery(count.values("n")), 0))


def adults_without_id(
    people: models.QuerySet, today: datetime.date | None = None
) -> models.QuerySet:
    """Check 7: people aged 16 or more with no ID number (a warning: some truly have none yet,
    but most are a missed entry, and without it duplicates cannot be found)."""
    cutoff = add_years(today or timezone.localdate(), -ID_CARD_AGE)
    return people.filter(id_number="", birth_date__lte=cutoff)


# --- Check 6: ages that contradict the relation to the head -------------------------------


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def full_years(earlier: datetime.date, later: datetime.date) -> int:
    """Completed years from `earlier` to `later`; negative when `later` comes first."""
    if later < earlier:
        return -full_years(later, earlier)
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


@dataclass(frozen=True)
class Ages:
    """What the relation rules look at: a person's and the head's birth dates."""

    born: datetime.date
    head_born: datetime.date
    # The oldest of the head's sons and daughters registered in the household, if any.
    oldest_child_born: datetime.date | None = None

    @property
    def gap(self) -> int:
        """Full years the person was born after the head (negative: before)."""
        return full_years(self.head_born, self.born)


class Rule(NamedTuple):
    """One implausibility: which relations it applies to, when it is broken, and what to say.

    The message is formatted with `relation` (its label) and `years` (the age gap in full
    years, without sign).
    """

    relations: frozenset[str]
    broken: Callable[[Ages], bool]
    severity: str
    message: Any


R = Relation
CHILDREN = frozenset({R.SON, R.DAUGHTER, R.DAUGHTER_IN_LAW, R.SON_IN_LAW})
GRANDCHILDREN = frozenset({R.GRANDSON, R.GRANDDAUGHTER})
PARENTS = frozenset({R.FATHER, R.MOTHER})
GENERATION = 12  # the least plausible age gap between a parent and a child
SPOUSE_GAP = 30

# The first rule a person breaks is reported; order from the plainest contradiction down.
RELATION_RULES: tuple[Rule, ...] = (
    Rule(
        CHILDREN | GRANDCHILDREN,
        lambda a: a.born < a.head_born,
        Severity.ERROR,
        gettext_lazy("{relation}比户主年长。"),
    ),
    Rule(
        CHILDREN,
        lambda a: a.gap < GENERATION,
        Severity.ERROR,
        gettext_lazy("{relation}只比户主小{years}岁,两代人至少应相差12岁。"),
    ),
    Rule(
        GRANDCHILDREN,
        lambda a: a.gap < 2 * GENERATION,
        Severity.ERROR,
        gettext_lazy("{relation}只比户主小{years}岁,祖孙至少应相差24岁。"),
    ),
    Rule(
        GRANDCHILDREN,
        lambda a: a.oldest_child_born is not None and a.born < a.oldest_child_born,
        Severity.WARNING,
        gettext_lazy("{relation}比户主的子女年长,请核对与户主的关系。"),
    ),
    Rule(
        PARENTS,
        lambda a: a.born > a.head_born,
        Severity.ERROR,
        gettext_lazy("{relation}比户主年轻。"),
    ),
    Rule(
        PARENTS,
        lambda a: -a.gap < GENERATION,
        Severity.ERROR,
        gettext_lazy("{relation}只比户主大{years}岁,两代人至少应相差12岁。"),
    ),
    Rule(
        frozenset({R.SPOUSE}),
        lambda a: abs(a.gap) > SPOUSE_GAP,
        Severity.WARNING,
        gettext_lazy("{relation}与户主年龄相差{years}岁,超过30岁。"),
    ),
)
RULED_RELATIONS = frozenset().union(*(rule.relations for rule in RELATION_RULES))


def _birth(birth_date: datetime.date | None, number: str) -> datetime.date | None:
    """The recorded birth date, else the one a well-formed ID number carries."""
    if birth_date is not None:
        return birth_date
    if len(number) == 18 and number[:14].isdigit():
        try:
            return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            return None
    return None


def broken_rule(relation: str, ages: Ages) -> Rule | None:
    """The first rule of RELATION_RULES a person of this relation and these ages breaks."""
    for rule in RELATION_RULES:
        if relation in rule.relations and rule.broken(ages):
            return rule
    return None


def relation_problems(people: models.QuerySet) -> Iterator[Problem]:
    """Check 6: ages that contradict the relation to the head, household by household.

    Streams people ordered by household and holds one household at a time. Households without
    exactly one head (check 5) or whose head's birth date is unknown are skipped.
    """
    rows = (
        people.order_by("household_id", "pk")
        .values_list("pk", "household_id", "relation", "birth_date", "id_number")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for _household, group in itertools.groupby(rows, key=itemgetter(1)):
        members = [(pk, relation, _birth(born, number)) for pk, _h, relation, born, number in group]
        heads = [born for _pk, relation, born in members if relation == R.HEAD]
        if len(heads) != 1 or heads[0] is None:
            continue
        children = [b for _pk, r, b in members if r in (R.SON, R.DAUGHTER) and b is not None]
        oldest_child = min(children, default=None)
        for pk, relation, born in members:
            if born is None or relation not in RULED_RELATIONS:
                continue
            ages = Ages(born, heads[0], oldest_child)
            rule = broken_rule(relation, ages)
            if rule is not None:
                message = str(rule.message).format(relation=R(relation).label, years=abs(ages.gap))
                yield Problem(pk, rule.severity, message)


# --- Findings: what the report shows --------------------------------------------------------

PERSON_FIELDS = (
    "pk",
    "name",
    "id_number",
    "household_id",
    "household__number",
    "household__village__name",
    "household__village__code",
)


@dataclass(slots=True)
class Finding:
    """One row of the report: what is wrong, where, with whom, said so a clerk can fix it."""

    check: str
    severity: str
    village_code: str
    village_name: str
    household_id: int
    household_number: str
    person_name: str
    id_number: str  # as the user may see it: masked without the right to personal data
    message: str

    @property
    def check_label(self) -> str:
        return str(Check(self.check).label)

    @property
    def severity_label(self) -> str:
        return str(Severity(self.severity).label)

    def sort_key(self) -> tuple:
        return (self.village_code, self.household_number, CHECK_ORDER[self.check], self.person_name)


class _Report:
    """Builds findings for one user: knows what they may see and whether to mask."""

    def __init__(self, user: Any, region: str, today: datetime.date | None) -> None:
        self.user = user
        self.reveal = can_see_personal_data(user)
        self.visible = scoped_people(user)
        self.people = scoped_people(user, region)
        self.households = scoped_households(user, region)
        self.today = today or timezone.localdate()

    def shown_id(self, number: str) -> str:
        return number if self.reveal or not number else mask(number, "id_number")

    def shown_date(self, born: datetime.date) -> str:
        return born.isoformat() if self.reveal else mask(born, "birth_date")

    def person(self, row: dict, check: str, severity: str, message: str) -> Finding:
        return Finding(
            check=check,
            severity=severity,
            village_code=row["household__village__code"],
            village_name=row["household__village__name"],
            household_id=row["household_id"],
            household_number=row["household__number"],
            person_name=row["name"],
            id_number=self.shown_id(row["id_number"]),
            message=message,
        )

    def from_problems(self, check: str, problems: Iterable[Problem]) -> list[Finding]:
        """Findings for problems found in Python: details fetched for those people only."""
        found = {p.person_id: p for p in problems}
        out = []
        for batch in _batches(list(found), IN_BATCH):
            for row in Person.objects.filter(pk__in=batch).values(*PERSON_FIELDS):
                problem = found[row["pk"]]
                out.append(self.person(row, check, problem.severity, problem.message))
        return out

    def duplicates(self, wanted: set[str]) -> list[Finding]:
        """Checks 1 and 2. Another holder outside the user's scope is named only as
        "另一村的贫困户", never with its name, household or village."""
        rows = list(duplicate_id_people(self.people).values(*PERSON_FIELDS))
        if not rows:
            return []
        two = set()
        if Check.TWO_HOUSEHOLDS in wanted:
            two = set(people_in_two_households(self.people).values_list("pk", flat=True))
        holders: dict[str, list[dict]] = defaultdict(list)
        for batch in _batches(sorted({r["id_number"] for r in rows}), IN_BATCH):
            others = Person.objects.filter(id_number__in=batch).order_by("household__number", "pk")
            for holder in others.values(*PERSON_FIELDS):
                holders[holder["id_number"]].append(holder)
        holder_pks = [h["pk"] for hs in holders.values() for h in hs]
        seen = set()
        for batch in _batches(holder_pks, IN_BATCH):
            seen.update(self.visible.filter(pk__in=batch).values_list("pk", flat=True))
        outside = _("另一村的贫困户")
        out = []
        for row in rows:
            others = [h for h in holders[row["id_number"]] if h["pk"] != row["pk"]]
            if Check.DUPLICATE_ID in wanted:
                names = []
                for other in others:
                    if other["pk"] not in seen:
                        names.append(outside)
                    elif other["household_id"] == row["household_id"]:
                        names.append(_("本户{name}").format(name=other["name"]))
                    else:
                        names.append(
                            _("{village}{household}户的{name}").format(
                                village=other["household__village__name"],
                                household=other["household__number"],
                                name=other["name"],
                            )
                        )
                message = _("身份证号码与{others}相同。").format(
                    others="、".join(dict.fromkeys(names))
                )
                out.append(self.person(row, Check.DUPLICATE_ID, Severity.ERROR, message))
            if row["pk"] in two:
                places = []
                for other in others:
                    if other["household_id"] == row["household_id"]:
                        continue
                    if other["pk"] not in seen:
                        places.append(outside)
                    else:
                        places.append(
                            _("{village}{household}户").format(
                                village=other["household__village__name"],
                                household=other["household__number"],
                            )
                        )
                message = _("同一身份证号码还登记在{households},一人只能属于一户。").format(
                    households="、".join(dict.fromkeys(places))
                )
                out.append(self.person(row, Check.TWO_HOUSEHOLDS, Severity.ERROR, message))
        return out

    def mismatches(self) -> list[Finding]:
        out = []
        fields = (*PERSON_FIELDS, "sex", "birth_date", "id_sex_digit", "id_birth")
        for row in id_mismatches(self.people).values(*fields):
            parts = []
            id_sex = Sex.MALE if int(row["id_sex_digit"]) % 2 else Sex.FEMALE
            if row["sex"] and row["sex"] != id_sex:
                parts.append(
                    _("性别登记为{sex},身份证号码显示为{id_sex}。").format(
                        sex=Sex(row["sex"]).label, id_sex=Sex(id_sex).label
                    )
                )
            born = row["birth_date"]
            if born is not None and born.isoformat() != row["id_birth"]:
                if self.reveal:
                    parts.append(
                        _("出生日期登记为{date},身份证号码显示为{id_date}。").format(
                            date=born.isoformat(), id_date=row["id_birth"]
                        )
                    )
                else:
                    parts.append(
                        _("出生日期登记为{date},与身份证号码不符。").format(
                            date=self.shown_date(born)
                        )
                    )
            if parts:
                out.append(self.person(row, Check.ID_MISMATCH, Severity.ERROR, "".join(parts)))
        return out

    def heads(self) -> list[Finding]:
        rows = list(
            head_problems(self.households).values(
                "pk", "number", "village__name", "village__code", "heads"
            )
        )
        names: dict[int, list[str]] = defaultdict(list)
        several = [r["pk"] for r in rows if r["heads"] > 1]
        for batch in _batches(several, IN_BATCH):
            heads = Person.objects.filter(household__in=batch, relation=R.HEAD).order_by("pk")
            for household_id, name in heads.values_list("household_id", "name"):
                names[household_id].append(name)
        out = []
        for row in rows:
            if row["heads"] == 0:
                message = _("该户没有登记户主。")
            else:
                message = _("该户登记了{n}名户主:{names}。").format(
                    n=row["heads"], names="、".join(names[row["pk"]])
                )
            out.append(
                Finding(
                    check=Check.HEAD_COUNT,
                    severity=Severity.ERROR,
                    village_code=row["village__code"],
                    village_name=row["village__name"],
                    household_id=row["pk"],
                    household_number=row["number"],
                    person_name="",
                    id_number="",
                    message=message,
                )
            )
        return out

    def missing_ids(self) -> list[Finding]:
        out = []
        rows = adults_without_id(self.people, self.today).values(*PERSON_FIELDS, "birth_date")
        for row in rows:
            message = _("已满16岁(出生于{date}),未登记身份证号码。").format(
                date=self.shown_date(row["birth_date"])
            )
            out.append(self.person(row, Check.MISSING_ID, Severity.WARNING, message))
        return out


def findings(
    user: Any,
    region: str = "",
    checks: Iterable[str] | None = None,
    today: datetime.date | None = None,
) -> list[Finding]:
    """Every finding within the user's scope (and a region code prefix), sorted by village,
    household and check. Only the problems are held in memory, never the people."""
    wanted = set(checks) if checks else set(Check.values)
    report = _Report(user, region, today)
    out: list[Finding] = []
    if wanted & {Check.DUPLICATE_ID, Check.TWO_HOUSEHOLDS}:
        out += report.duplicates(wanted)
    if Check.INVALID_ID in wanted:
        out += report.from_problems(Check.INVALID_ID, invalid_ids(report.people, report.reveal))
    if Check.ID_MISMATCH in wanted:
        out += report.mismatches()
    if Check.HEAD_COUNT in wanted:
        out += report.heads()
    if Check.RELATION_AGE in wanted:
        out += report.from_problems(Check.RELATION_AGE, relation_problems(report.people))
    if Check.MISSING_ID in wanted:
        out += report.missing_ids()
    out.sort(key=Finding.sort_key)
    return out


# --- Summary --------------------------------------------------------------------------------


@dataclass
class VillageSummary:
    """One line of the per-village table: counts in Check order and their total."""

    code: str
    name: str
    counts: list[int] = field(default_factory=lambda: [0] * len(Check.values))

    @property
    def total(self) -> int:
        return sum(self.counts)


def summarize(found: Iterable[Finding]) -> tuple[dict[str, int], list[VillageSummary]]:
    """Counts per check (every check present, zero or not) and per village, by village code."""
    per_check: Counter[str] = Counter()
    villages: dict[str, VillageSummary] = {}
    for finding in found:
        per_check[finding.check] += 1
        village = villages.get(finding.village_code)
        if village is None:
            village = villages[finding.village_code] = VillageSummary(
                finding.village_code, finding.village_name
            )
        village.counts[CHECK_ORDER[finding.check]] += 1
    return {c: per_check[c] for c in Check.values}, [villages[k] for k in sorted(villages)]


def export_columns() -> list[str]:
    """The report's columns, the same on the page and in the spreadsheet."""
    return [
        _("检查项"),
        _("级别"),
        _("村"),
        _("村代码"),
        _("户编号"),
        _("姓名"),
        _("身份证号码"),
        _("问题说明"),
    ]


def export_row(finding: Finding) -> list[str]:
    return [
        finding.check_label,
        finding.severity_label,
        finding.village_name,
        finding.village_code,
        finding.household_number,
        finding.person_name,
        finding.id_number,
        finding.message,
    ]


def _batches(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
