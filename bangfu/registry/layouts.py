"""The registry layout (建档立卡): one row per person, the household's columns repeated.

This is how county offices keep the registry in Excel; the same layout is the template, the
household list's export and the import, so a file goes out and comes back unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.core import bulk, normalize
from bangfu.core.changelog import record_bulk, record_created, serialize_instance
from bangfu.core.imports import (
    Column,
    ColumnBatch,
    FieldLimits,
    ImportResult,
    Layout,
    ParsedRow,
)
from bangfu.core.personal import can_see_personal_data, mask, unless_masked
from bangfu.core.spreadsheets import cell_column
from bangfu.geo.choices import Level
from bangfu.geo.models import Region
from bangfu.orgs.choices import Sex
from bangfu.registry import first_load, idnumber, rules
from bangfu.registry.choices import (
    Disability,
    Education,
    Health,
    HouseholdAttribute,
    HouseholdStatus,
    HousingSafety,
    LabourAbility,
    PovertyCause,
    Relation,
    Schooling,
)
from bangfu.registry.models import Household, Person, already_registered, where_registered

H = gettext_lazy
HOUSEHOLD_COLUMNS = [
    Column(
        H("户编号"),
        "number",
        normalize.code,
        required=True,
        text=True,
        help=H("全省唯一的户编号;再次导入时按户编号更新。"),
        example="5205241162140001",
    ),
    Column(
        H("所在村代码"),
        "village",
        normalize.code,
        required=True,
        text=True,
        help=H("所在村的12位统计用区划代码。"),
        example="520524116214",
    ),
    Column(H("所在村"), "village_name", help=H("仅供核对,导入时以村代码为准。"), example="宝山村"),
    Column(H("贫困户属性"), "attribute", choices=HouseholdAttribute, required=True),
    Column(
        H("识别年度"),
        "identified_year",
        normalize.integer,
        help=H("可不填:新户按导入的年度登记,已登记的户保留原来的识别年度。"),
        example=2014,
    ),
    Column(H("主要致贫原因"), "main_cause", choices=PovertyCause, required=True),
    Column(H("其他致贫原因"), "other_causes", choices=PovertyCause, many=True),
    Column(H("住房安全"), "housing", choices=HousingSafety),
    Column(H("住房面积(平方米)"), "housing_area", lambda v: normalize.decimal(v, 1), example=80),
    Column(H("耕地面积(亩)"), "arable_land", normalize.decimal, example=2.5),
    Column(H("联系电话"), "phone", normalize.code, text=True),
    Column(H("银行账号"), "bank_account", normalize.code, text=True),
    Column(H("不愁吃"), "food_ok", normalize.boolean, example="是"),
    Column(H("不愁穿"), "clothing_ok", normalize.boolean, example="是"),
    Column(H("义务教育有保障"), "education_ok", normalize.boolean, example="是"),
    Column(H("基本医疗有保障"), "medical_ok", normalize.boolean, example="是"),
    Column(H("住房安全有保障"), "housing_ok", normalize.boolean, example="否"),
    Column(H("饮水安全有保障"), "water_ok", normalize.boolean, example="是"),
    Column(H("脱贫状态"), "status", choices=HouseholdStatus),
    Column(H("脱贫年度"), "exit_year", normalize.integer),
]
PERSON_COLUMNS = [
    Column(H("姓名"), "name", required=True, example="谭世远"),
    Column(
        H("身份证号码"),
        "id_number",
        normalize.id_number,
        text=True,
        help=H("18位;该列请设为文本格式,否则Excel会把号码变成数字并丢失后几位。"),
        example="520524196104020812",
    ),
    Column(H("与户主关系"), "relation", choices=Relation, required=True),
    Column(H("性别"), "sex", choices=Sex, help=H("可不填,由身份证号码得出。")),
    Column(
        H("出生日期"),
        "birth_date",
        unless_masked(normalize.date),
        help=H("可不填,由身份证号码得出。"),
    ),
    Column(H("健康状况"), "health", choices=Health),
    Column(H("残疾等级"), "disability", choices=Disability),
    Column(H("文化程度"), "education", choices=Education),
    Column(H("在校生状况"), "schooling", choices=Schooling),
    Column(H("劳动能力"), "labour_ability", choices=LabourAbility),
    Column(H("外出务工"), "migrant_work", normalize.boolean, example="否"),
    Column(H("务工时间(月)"), "migrant_months", normalize.integer, example=0),
    Column(H("参加城乡居民基本医疗保险"), "medical_insurance", normalize.boolean, example="是"),
    Column(H("参加城乡居民基本养老保险"), "pension_insurance", normalize.boolean, example="是"),
    Column(H("参加大病保险"), "serious_illness_insurance", normalize.boolean, example="否"),
]
# What real registry files carry besides the layout: taken on import, not exported (the
# household's income per year has its own table; see rules.apply_incomes).
INCOME_COLUMNS = [
    Column(
        H("人均纯收入"),
        "per_head_income",
        normalize.decimal,
        help=H("元/人·年;乘以该户人口数,记为该户当年的纯收入。"),
        example=3600,
    ),
    Column(
        H("收入年度"),
        "income_year",
        normalize.integer,
        help=H("人均纯收入的年度;可不填,按导入的年度。"),
        example=2016,
    ),
]
INCOME_FIELDS = [c.field for c in INCOME_COLUMNS]
HOUSEHOLD_FIELDS = [c.field for c in HOUSEHOLD_COLUMNS if c.field not in ("number", "village_name")]
PERSON_FIELDS = [c.field for c in PERSON_COLUMNS]
PERSONAL = {*Household.personal_fields, *Person.personal_fields}
HOUSEHOLD_LIMITS = FieldLimits(Household, HOUSEHOLD_FIELDS[1:])
PERSON_LIMITS = FieldLimits(Person, PERSON_FIELDS)
GUARANTEES = ("food_ok", "clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok")
IN_CHUNKS = 10000  # values per `IN (...)` (SQLite allows 32,766 parameters)


def _chunks(values: Sequence[Any], size: int = IN_CHUNKS) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _signature(values: Sequence[Any]) -> int:
    """A household's columns as one hash, to find rows of one household that disagree."""
    return hash(tuple(tuple(v) if isinstance(v, list) else v for v in values))


def _signatures(columns: Sequence[Sequence[Any]]) -> list[int]:
    """`_signature` of each row of the columns, hashed in C a row at a time."""
    hashable = [[tuple(v) if type(v) is list else v for v in c] for c in columns]
    return list(map(hash, zip(*hashable, strict=True)))


def _matching(model: type[models.Model], field: str, values: list, *columns: str) -> list[tuple]:
    """The `columns` of the rows whose `field` is one of `values`: one query with an array on
    PostgreSQL (a long IN list costs more to plan than to run), chunks elsewhere."""
    if connection.vendor == "postgresql":
        meta = model._meta
        quote = connection.ops.quote_name
        names = ", ".join(
            quote((meta.pk if c == "pk" else meta.get_field(c)).column) for c in columns
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {names} FROM {quote(meta.db_table)} "
                f"WHERE {quote(meta.get_field(field).column)} = ANY(%s)",
                [values],
            )
            return cursor.fetchall()
    found: list[tuple] = []
    for chunk in _chunks(values):
        found.extend(model.objects.filter(**{f"{field}__in": chunk}).values_list(*columns))
    return found


def _defaults(model: type[models.Model], columns: dict[str, list], count: int) -> dict[str, list]:
    """The columns with every other field at its default, as a new object would have them."""
    full = dict(columns)
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in full or f.name in ("created", "updated"):
            continue
        default = f.get_default()
        if isinstance(f, models.DecimalField) and default is not None:
            default = Decimal(default).quantize(Decimal(1).scaleb(-f.decimal_places))
        full[f.attname] = [default] * count
    return full


@dataclass
class _State:
    user: Any
    villages: dict[str, tuple[int, str]] = field(default_factory=dict)  # code → (pk, name)
    can_add: bool = False
    households: dict[str, tuple[int, tuple]] = field(default_factory=dict)  # number → row, values
    ids: dict[str, int] = field(default_factory=dict)  # ID number → first row
    touched: dict[int, int] = field(default_factory=dict)  # household pk → first row
    # Households this import created and has not met again: number → (first row, heads
    # among their rows). They may not be in the database yet (their writes run behind).
    new_heads: dict[str, tuple[int, int]] = field(default_factory=dict)
    started: bool = False
    noted: bool = False  # the report says which defaults the run took
    created: set[str] = field(default_factory=set)  # numbers of the households written
    year: int = 0  # the import's year: the default of the year columns a file leaves out
    incomes: dict[str, rules.IncomeRow] = field(default_factory=dict)  # number → its income
    first_load: first_load.FirstLoad | None = None  # the registry was empty: see first_load


@dataclass
class _InDatabase:
    """What a batch's rows already have in the database, read before it is checked."""

    households: set[str]  # household numbers
    people: dict[str, int]  # ID number → person pk


def _is_masked(value: Any) -> bool:
    return isinstance(value, str) and "*" in value


def _write_new(
    households: dict[str, list], people: dict[str, list], numbers: list[str], user: Any
) -> None:
    """Write checked new households and their people (`numbers`: each person's household
    number), with ids drawn here and the foreign key checked as the rows go in."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Checked at each COPY's end, in the background, instead of all at the commit.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    ids = bulk.reserve_ids(Household, len(households["number"]))
    bulk.insert_columns(Household, households, ids)
    record_created(Household, ids, user=user)
    by_number = dict(zip(households["number"], ids, strict=True))
    people["household_id"] = [by_number[n] for n in numbers]
    person_ids = bulk.reserve_ids(Person, len(numbers))
    bulk.insert_columns(Person, people, person_ids)
    record_created(Person, person_ids, parent_model=Household, user=user)


class HouseholdLayout(Layout):
    key = "households"
    title = gettext_lazy("贫困户及家庭成员")
    model = Household
    columns = [*HOUSEHOLD_COLUMNS, *PERSON_COLUMNS]
    extra_columns = INCOME_COLUMNS
    sheet_name = "registry"
    columnar = True
    batch_size = 50000
    export_checked = True  # text columns go through cell_column (see _cell_function)

    def new_state(self, user: Any) -> _State:
        villages = Region.objects.restrict(user, "view").filter(level=Level.VILLAGE)
        return _State(
            user=user,
            villages={
                code: (pk, name) for pk, code, name in villages.values_list("pk", "code", "name")
            },
            can_add=user.has_perm("registry.add_household")
            and user.has_perm("registry.add_person"),
            year=rules.registry_year(),
        )

    # --- import ----------------------------------------------------------------------------

    def look_up(self, batch: ColumnBatch, state: _State) -> _InDatabase:
        if not state.started:
            state.started = True
            state.first_load = first_load.begin()
        values = batch.values
        numbers = list(dict.fromkeys(values["number"]))
        if state.first_load is not None:
            # Every row in the registry is this run's: its households are known here, and
            # its people's ID numbers are in state.ids (a repeat is an in-file duplicate).
            return _InDatabase({n for n in numbers if n in state.created}, {})
        ids = [v for v in set(values.get("id_number") or ()) if v and not _is_masked(v)]
        return _InDatabase(
            {number for (number,) in _matching(Household, "number", numbers, "number")},
            dict(_matching(Person, "id_number", ids, "id_number", "pk")) if ids else {},
        )

    def apply_batch(
        self,
        batch: ColumnBatch,
        state: _State,
        result: ImportResult,
        writes: bulk.BackgroundWrites,
        found: _InDatabase,
    ) -> None:
        """New households and their people column-wise, written in the background; rows of
        households already in the database (a re-import, an update) or written by an
        earlier batch row by row, once the earlier writes are done."""
        values = batch.values
        numbers = values["number"]
        count = len(numbers)
        first = dict(zip(reversed(numbers), range(count - 1, -1, -1), strict=True))
        fields = [f for f in HOUSEHOLD_FIELDS if f in values]
        agree = fields + [f for f in INCOME_FIELDS if f in values]  # one value per household
        if not state.noted and "identified_year" not in values:
            state.noted = True
            result.notes.append(
                _("文件没有“识别年度”列:新户按导入的年度{year}年登记。").format(year=state.year)
            )
        raw = [batch.cells[f] for f in ["number", *agree]]
        if len(set(zip(*raw, strict=True))) != len(first):
            for i in range(count):
                j = first[numbers[i]]
                if j != i:
                    self._same_household(batch.row(i), batch.row(j), agree, result)
        existing = found.households | {n for n in first if n in state.new_heads}
        for what in ("created", "updated", "unchanged"):
            result.count(what, str(_("贫困户")), 0)
            result.count(what, str(_("家庭成员")), 0)
        new = sorted(i for number, i in first.items() if number not in existing)
        if new:
            self._create(batch, new, fields, agree, state, result, writes, found.people)
        if existing:
            writes.idle()  # the earlier batches' writes are in: read and write row by row
            self._apply_rows(
                [batch.row(i) for i in range(count) if numbers[i] in existing], state, result
            )

    def _create(
        self,
        batch: ColumnBatch,
        firsts: list[int],
        fields: list[str],
        agree: list[str],
        state: _State,
        result: ImportResult,
        writes: bulk.BackgroundWrites,
        registered: dict[str, int],
    ) -> None:
        """Households not in the database yet, with their people: checked column by column
        and handed to `writes` (COPY on PostgreSQL), no model instance per row."""
        values, rows = batch.values, batch.numbers
        accepted: list[int] = []
        signatures = _signatures([[values[f][i] for i in firsts] for f in agree])
        for i, signature in zip(firsts, signatures, strict=True):
            number = values["number"][i]
            seen = state.households.get(number)
            if seen is not None and seen[1] != signature:
                result.add_problem(
                    rows[i],
                    str(_("户编号")),
                    number,
                    _("与第{row}行同一户的户信息不一致。").format(row=seen[0]),
                )
                continue
            state.households.setdefault(number, (rows[i], signature))
            if values["village"][i] not in state.villages:
                result.add_problem(
                    rows[i],
                    str(_("所在村代码")),
                    values["village"][i],
                    _("找不到这个村,或它不在您的管辖范围内。"),
                )
                continue
            if not state.can_add:
                result.add_problem(rows[i], str(_("户编号")), number, _("您没有新增贫困户的权限。"))
                continue
            accepted.append(i)
        columns = self._household_columns(values, accepted, fields, state)
        bad: set[int] = set()
        for k, name, message in HOUSEHOLD_LIMITS.column_errors(columns):
            self._report([(name, message)], rows[accepted[k]], result)
            bad.add(k)
        for k, name, message in rules.check_exit_years(columns["status"], columns["exit_year"]):
            self._report([(name, message)], rows[accepted[k]], result)
            bad.add(k)
        if bad:
            keep = [k for k in range(len(accepted)) if k not in bad]
            accepted = [accepted[k] for k in keep]
            columns = {f: [v[k] for k in keep] for f, v in columns.items()}
        people = self._new_people(
            batch, {values["number"][i] for i in accepted}, state, result, writes, registered
        )
        heads: dict[str, str] = {}
        head_rows: dict[str, int] = defaultdict(int)
        for number, relation, name in zip(
            people["_number"], people["relation"], people["name"], strict=True
        ):
            if relation == Relation.HEAD:
                heads[number] = name
                head_rows[number] += 1
        columns["head_name"] = [heads.get(n, "") for n in columns["number"]]
        for number, i in zip(columns["number"], accepted, strict=True):
            state.new_heads[number] = (rows[i], head_rows.get(number, 0))
        state.created.update(columns["number"])
        if "per_head_income" in values:
            self._note_incomes(values, [(i, rows[i]) for i in accepted], state)
        numbers = people.pop("_number")
        county = dict(zip(columns["number"], columns["county_code"], strict=True))
        people["county_code"] = [county[n] for n in numbers]
        people = _defaults(Person, people, len(numbers))
        if accepted:
            writes.submit(lambda: _write_new(columns, people, numbers, state.user))
        result.count("created", str(_("贫困户")), len(accepted))
        result.count("created", str(_("家庭成员")), len(numbers))

    def _household_columns(
        self,
        values: dict[str, list],
        accepted: list[int],
        fields: list[str],
        state: _State,
    ) -> dict[str, list]:
        """New households' field values (attribute name → one per household)."""
        villages = state.villages
        columns: dict[str, list] = {"number": [values["number"][i] for i in accepted]}
        for f in fields:
            column = [values[f][i] for i in accepted]
            if f == "village":
                continue
            if f in PERSONAL:
                column = ["" if v is None or _is_masked(v) else v for v in column]
            elif f in ("housing_area", "arable_land"):
                zero = Decimal(0).scaleb(-Household._meta.get_field(f).decimal_places)
                column = [zero if v is None else v for v in column]
            elif f in GUARANTEES:
                column = [bool(v) for v in column]
            elif f in ("housing", "status"):
                default = Household._meta.get_field(f).get_default()
                column = [default if v is None else v for v in column]
            elif f == "identified_year" and None in column:
                column = [state.year if v is None else v for v in column]
            columns[f] = column
        if "identified_year" not in columns:
            columns["identified_year"] = [state.year] * len(accepted)
        codes = [values["village"][i] for i in accepted]
        columns = _defaults(Household, columns, len(accepted))
        columns.pop("village_id", None)
        columns["village_id"] = [villages[c][0] for c in codes]
        columns["county_code"] = [c[:6] for c in codes]
        return columns

    def _new_people(
        self,
        batch: ColumnBatch,
        numbers: set[str],
        state: _State,
        result: ImportResult,
        writes: bulk.BackgroundWrites,
        registered: dict[str, int],
    ) -> dict[str, list]:
        """The rows of new households as Person columns (plus `_number`), bad rows reported."""
        values, rows = batch.values, batch.numbers
        picked = [i for i, n in enumerate(values["number"]) if n in numbers]
        count = len(picked)

        def pick(column: list) -> list:
            """The column's values in the picked rows (a copy when all are picked)."""
            return list(column) if count == len(rows) else [column[i] for i in picked]

        ids = [v or "" for v in pick(values["id_number"])] if "id_number" in values else []
        ids = ids or [""] * count
        header = str(_("身份证号码"))
        bad: set[int] = set()
        given = [k for k, v in enumerate(ids) if v]
        masked = {k for k in given if "*" in ids[k]}
        for k in masked:
            result.add_problem(
                rows[picked[k]], header, ids[k], _("号码已打码,找不到对应的成员;请填写完整号码。")
            )
        bad |= masked
        given = [k for k in given if k not in masked]
        for k, ok in zip(given, idnumber.valid_many([ids[k] for k in given]), strict=True):
            if not ok:
                try:
                    idnumber.parse(ids[k])
                    message = _("身份证号码不正确。")
                except ValidationError as e:
                    message = e.messages[0]
                result.add_problem(
                    rows[picked[k]], header, batch.cells["id_number"][picked[k]], message
                )
                bad.add(k)
        seen = state.ids
        for k in given:
            if k in bad:
                continue
            row = rows[picked[k]]
            first_row = seen.setdefault(ids[k], row)
            if first_row != row:
                result.add_problem(
                    row, header, ids[k], _("与第{row}行的身份证号码重复。").format(row=first_row)
                )
                bad.add(k)
        valid = [k for k in given if k not in bad]
        if len(valid) == count:
            sexes, births = rules.derive_from_ids(ids)
        else:
            keep = set(valid)
            sexes, births = rules.derive_from_ids(
                [n if k in keep else "" for k, n in enumerate(ids)]
            )
        if "sex" in values or "birth_date" in values:
            for k, name, message in rules.check_identity(
                sexes,
                births,
                pick(values["sex"]) if "sex" in values else None,
                pick(values["birth_date"]) if "birth_date" in values else None,
                valid,
            ):
                result.add_problem(
                    rows[picked[k]], self._header(name), batch.cells[name][picked[k]], message
                )
                bad.add(k)
        taken = {k: registered[ids[k]] for k in valid if ids[k] in registered and k not in bad}
        if taken:
            writes.idle()  # the database is the caller's while no write runs
            others = Person.objects.select_related("household").in_bulk(taken.values())
            where = where_registered(list(others.values()), state.user)
            for k, pk in taken.items():
                result.add_problem(rows[picked[k]], header, ids[k], where[pk])
                bad.add(k)
        columns: dict[str, list] = {}
        for f in PERSON_FIELDS:
            if f in ("id_number", "sex", "birth_date") or f not in values:
                continue
            default = Person._meta.get_field(f).get_default()
            default = "" if default is None else default
            column = pick(values[f])
            columns[f] = [default if v is None else v for v in column] if None in column else column
        columns["id_number"] = ids
        given_sex = values.get("sex")
        given_birth = values.get("birth_date")
        columns["sex"] = [
            (given_sex[i] if given_sex else None) or sexes[k] or "" for k, i in enumerate(picked)
        ]
        columns["birth_date"] = [
            (given_birth[i] if given_birth else None) or births[k] for k, i in enumerate(picked)
        ]
        for k, name, message in PERSON_LIMITS.column_errors(columns):
            if k not in bad:
                self._report([(name, message)], rows[picked[k]], result)
                bad.add(k)
        columns["_number"] = pick(values["number"])
        if bad:
            keep = [k for k in range(count) if k not in bad]
            columns = {f: [v[k] for k in keep] for f, v in columns.items()}
        return columns

    def _apply_rows(self, batch: list[ParsedRow], state: _State, result: ImportResult) -> None:
        groups: dict[str, list[ParsedRow]] = defaultdict(list)
        for row in batch:
            groups[row.values["number"]].append(row)
        numbers = list(groups)
        existing = {h.number: h for h in Household.objects.filter(number__in=numbers)}
        changeable = set(
            Household.objects.restrict(state.user, "change")
            .filter(number__in=numbers)
            .values_list("pk", flat=True)
        )
        to_create, to_update, changes = [], [], []
        households: dict[str, Household] = {}
        for number, rows in groups.items():
            household = self._household(
                number, rows, existing.get(number), changeable, state, result
            )
            if household is None:
                continue
            households[number] = household
            if household.pk is None:
                to_create.append(household)
            elif household._import_changed:
                to_update.append(household)
        bulk.insert(Household, to_create)
        state.created.update(h.number for h in to_create)
        if to_update:
            Household.objects.bulk_update(
                to_update, [*HOUSEHOLD_FIELDS, "county_code", "updated"], batch_size=1000
            )
        for h in to_create:
            changes.append((h, "create", None, serialize_instance(h)))
        for h in to_update:
            changes.append((h, "update", h.changelog_before(), serialize_instance(h)))
        result.count("created", str(_("贫困户")), len(to_create))
        result.count("updated", str(_("贫困户")), len(to_update))
        result.count(
            "unchanged", str(_("贫困户")), len(households) - len(to_create) - len(to_update)
        )
        for h in households.values():
            state.touched.setdefault(h.pk, groups[h.number][0].number)
            state.new_heads.pop(h.number, None)  # its heads are counted in the database
            first = groups[h.number][0]
            if first.values.get("per_head_income") is not None:
                state.incomes[h.number] = rules.IncomeRow(
                    first.number,
                    first.values["per_head_income"],
                    first.values.get("income_year") or state.year,
                )
        self._people(groups, households, state, result, changes)
        record_bulk(changes, state.user)

    def _household(
        self,
        number: str,
        rows: list[ParsedRow],
        current: Household | None,
        changeable: set[int],
        state: _State,
        result: ImportResult,
    ) -> Household | None:
        first = rows[0]
        fields = [f for f in HOUSEHOLD_FIELDS if f in first.values]
        agree = fields + [f for f in INCOME_FIELDS if f in first.values]
        signature = _signature([first.values.get(f) for f in agree])
        seen = state.households.get(number)
        for row in rows[1:]:
            self._same_household(row, first, agree, result)
        if seen is not None and seen[1] != signature:
            result.add_problem(
                first.number,
                str(_("户编号")),
                number,
                _("与第{row}行同一户的户信息不一致。").format(row=seen[0]),
            )
            return None
        state.households.setdefault(number, (first.number, signature))
        village = state.villages.get(first.values["village"])
        if village is None:
            result.add_problem(
                first.number,
                str(_("所在村代码")),
                first.values["village"],
                _("找不到这个村,或它不在您的管辖范围内。"),
            )
            return None
        if current is None:
            if not state.can_add:
                result.add_problem(
                    first.number, str(_("户编号")), number, _("您没有新增贫困户的权限。")
                )
                return None
            household = Household(number=number, identified_year=state.year)
        elif current.pk not in changeable:
            result.add_problem(
                first.number, str(_("户编号")), number, _("该户不在您的管辖范围内,不能修改。")
            )
            return None
        else:
            household = current
        before = {f: getattr(household, f) for f in fields if f != "village"}
        before_village = household.village_id
        for f in fields:
            value = first.values[f]
            if f == "village":
                household.village_id = village[0]
                household.county_code = first.values["village"][:6]
            elif f in PERSONAL and _is_masked(value):
                continue  # exported masked: keep what is stored
            elif value is None and f in ("housing_area", "arable_land"):
                setattr(household, f, 0)
            elif value is None and f in (
                "food_ok",
                "clothing_ok",
                "education_ok",
                "medical_ok",
                "housing_ok",
                "water_ok",
            ):
                setattr(household, f, False)
            elif value is None and f in ("housing", "status", "phone", "bank_account"):
                setattr(household, f, Household._meta.get_field(f).get_default())
            elif value is None and f == "identified_year":
                continue  # left blank: the year it has (a new one: the import's year)
            else:
                setattr(household, f, value)
        household._import_changed = (
            household.pk is None
            or before_village != household.village_id
            or any(getattr(household, f) != v for f, v in before.items())
        )
        problems = HOUSEHOLD_LIMITS.errors(household)
        problems += [
            (name, message)
            for _k, name, message in rules.check_exit_years(
                [household.status], [household.exit_year]
            )
        ]
        if problems:
            self._report(problems, first.number, result)
            return None
        return household

    def _same_household(
        self, row: ParsedRow, first: ParsedRow, fields: list[str], result: ImportResult
    ) -> None:
        for f in fields:
            if row.values.get(f) != first.values.get(f):
                column = next(c for c in self.all_columns() if c.field == f)
                result.add_problem(
                    row.number,
                    str(column.header),
                    row.cells.get(f),
                    _("与第{row}行同一户的值不一致。").format(row=first.number),
                )
                return

    def _people(
        self,
        groups: dict[str, list[ParsedRow]],
        households: dict[str, Household],
        state: _State,
        result: ImportResult,
        changes: list,
    ) -> None:
        rows = [r for number in households for r in groups[number]]
        numbers = [
            r.values["id_number"]
            for r in rows
            if r.values.get("id_number") and not _is_masked(r.values["id_number"])
        ]
        by_id = {p.id_number: p for p in Person.objects.filter(id_number__in=numbers)}
        by_name: dict[tuple[int, str], Person] = {}
        for p in Person.objects.filter(household_id__in=[h.pk for h in households.values()]):
            by_name.setdefault((p.household_id, p.name), p)
        to_create, to_update, unchanged = [], [], 0
        heads: dict[int, str] = {}
        for row in rows:
            household = households[row.values["number"]]
            person = self._person(row, household, by_id, by_name, state, result)
            if person is None:
                continue
            if person.relation == Relation.HEAD:
                heads[household.pk] = person.name
            if person.pk is None:
                to_create.append(person)
            elif person._import_changed:
                to_update.append(person)
            else:
                unchanged += 1
        bulk.insert(Person, to_create)
        present = [f for f in PERSON_FIELDS if any(f in r.values for r in rows[:1])]
        if to_update:
            Person.objects.bulk_update(
                to_update,
                [*present, "sex", "birth_date", "county_code", "updated"],
                batch_size=1000,
            )
        for p in to_create:
            changes.append((p, "create", None, serialize_instance(p)))
        for p in to_update:
            changes.append((p, "update", p.changelog_before(), serialize_instance(p)))
        label = str(_("家庭成员"))
        result.count("created", label, len(to_create))
        result.count("updated", label, len(to_update))
        result.count("unchanged", label, unchanged)
        renamed = [h for h in households.values() if h.pk in heads and h.head_name != heads[h.pk]]
        for h in renamed:
            h.head_name = heads[h.pk]
        Household.objects.bulk_update(renamed, ["head_name"], batch_size=1000)

    def _person(
        self,
        row: ParsedRow,
        household: Household,
        by_id: dict[str, Person],
        by_name: dict[tuple[int, str], Person],
        state: _State,
        result: ImportResult,
    ) -> Person | None:
        values = row.values
        number = values.get("id_number") or ""
        masked = _is_masked(number)
        info = None
        if number and not masked:
            try:
                info = idnumber.parse(number)
            except ValidationError as e:
                result.add_problem(
                    row.number, str(_("身份证号码")), row.cells.get("id_number"), e.messages[0]
                )
                return None
            number = info.number
            first_row = state.ids.setdefault(number, row.number)
            if first_row != row.number:
                result.add_problem(
                    row.number,
                    str(_("身份证号码")),
                    number,
                    _("与第{row}行的身份证号码重复。").format(row=first_row),
                )
                return None
            refused = rules.check_identity(
                [info.sex], [info.birth_date], [values.get("sex")], [values.get("birth_date")]
            )
            for _k, name, message in refused:
                result.add_problem(row.number, self._header(name), row.cells.get(name), message)
            if refused:
                return None
        person = by_id.get(number) if info else None
        if person is not None and person.household_id != household.pk:
            result.add_problem(
                row.number, str(_("身份证号码")), number, already_registered(person, state.user)
            )
            return None
        if person is None:
            person = by_name.get((household.pk, values["name"]))
            if person is not None and info and person.id_number and person.id_number != number:
                person = None  # same name, different person
        if person is None:
            if masked:
                result.add_problem(
                    row.number,
                    str(_("身份证号码")),
                    number,
                    _("号码已打码,找不到对应的成员;请填写完整号码。"),
                )
                return None
            person = Person(household=household)
        before = {f: getattr(person, f) for f in PERSON_FIELDS}
        for f in PERSON_FIELDS:
            if f not in values:
                continue
            value = values[f]
            if f == "id_number":
                if masked:
                    continue
                value = number
            elif f in ("sex", "birth_date"):
                value = (
                    value
                    or (getattr(info, "sex" if f == "sex" else "birth_date") if info else None)
                    or getattr(person, f)
                )
            elif value is None:
                value = Person._meta.get_field(f).get_default()
                if value is None and f != "birth_date":
                    value = ""
            setattr(person, f, value)
        if info:
            person.sex = person.sex or info.sex
            person.birth_date = person.birth_date or info.birth_date
        person.household = household
        person.county_code = household.county_code
        person._import_changed = person.pk is None or any(
            getattr(person, f) != v for f, v in before.items()
        )
        problems = PERSON_LIMITS.errors(person)
        if problems:
            self._report(problems, row.number, result)
            return None
        return person

    def finish(self, state: _State, result: ImportResult) -> None:
        """Every household the file touched has exactly one head (people may span batches);
        a first load's keys and tally put back."""
        if state.first_load is not None:
            state.first_load.end()
            state.first_load = None
        if state.incomes:
            for row, name, reason in rules.apply_incomes(state.incomes, state.user, result):
                result.add_problem(row, self._header(name), "", reason)
        new = list(state.new_heads.values())
        for k, name, message in rules.check_heads([n for _row, n in new]):
            result.add_problem(new[k][0], self._header(name), "", message)
        pks = list(state.touched)
        for start in range(0, len(pks), 5000):
            chunk = pks[start : start + 5000]
            counts = dict(
                Person.objects.filter(household_id__in=chunk, relation=Relation.HEAD)
                .values_list("household_id")
                .annotate(n=Count("pk"))
                .values_list("household_id", "n")
            )
            for k, name, message in rules.check_heads([counts.get(pk, 0) for pk in chunk]):
                result.add_problem(state.touched[chunk[k]], self._header(name), "", message)

    def _note_incomes(
        self, values: dict[str, list], picked: list[tuple[int, int]], state: _State
    ) -> None:
        """Remember the new households' per-head income (written in `finish`, once all
        their people are in)."""
        per_head, years = values["per_head_income"], values.get("income_year")
        for i, row in picked:
            if per_head[i] is not None:
                year = (years[i] if years else None) or state.year
                state.incomes[values["number"][i]] = rules.IncomeRow(row, per_head[i], year)

    def _header(self, name: str) -> str:
        """The header of the column holding a field."""
        return next((str(c.header) for c in self.all_columns() if c.field == name), name)

    def _report(self, problems: list[tuple[str, str]], row: int, result: ImportResult) -> None:
        by_field = {c.field: str(c.header) for c in self.all_columns()}
        for field_name, message in problems:
            result.add_problem(row, by_field.get(field_name, field_name), "", message)

    # --- export ----------------------------------------------------------------------------

    def export_row_count(self, queryset: models.QuerySet) -> int:
        households = Household.objects.filter(pk__in=queryset.values("pk"))
        return (
            Person.objects.filter(household__in=households).count()
            + households.filter(people__isnull=True).count()
        )

    def export_rows(self, queryset: models.QuerySet, user: Any) -> Iterator[Sequence[Any]]:
        """One row per person, the household's cells repeated; a household without people
        gets one row with the person columns blank. Households in number order.

        Read as plain tuples (no model instances), a batch of households at a time with one
        query for their people, and turned into cells a column at a time with functions
        built once: about 10 µs a row instead of 100, memory bounded by the batch.
        """
        reveal = can_see_personal_data(user)
        paths = [_EXPORT_PATHS.get(c.field, c.field) for c in HOUSEHOLD_COLUMNS]
        household_cells = [_cell_function(Household, c, reveal) for c in HOUSEHOLD_COLUMNS]
        person_cells = [_cell_function(Person, c, reveal) for c in PERSON_COLUMNS]
        blank = ("",) * len(PERSON_COLUMNS)
        # The list's own annotations (a people count) would join every person: keep only
        # which households it holds.
        households = (
            Household.objects.filter(pk__in=queryset.values("pk"))
            .order_by("number")
            .values_list("pk", *paths)
        )
        for batch in _batches(households.iterator(chunk_size=EXPORT_BATCH), EXPORT_BATCH):
            columns = list(zip(*batch, strict=True))
            heads = _cells(columns[1:], household_cells)
            people: dict[int, list[tuple]] = defaultdict(list)
            found = _people_values(columns[0])
            if found:
                person_columns = list(zip(*found, strict=True))
                for pk, cells in zip(
                    person_columns[0], _cells(person_columns[1:], person_cells), strict=True
                ):
                    people[pk].append(cells)
            for pk, head in zip(columns[0], heads, strict=True):
                for cells in people.get(pk) or (blank,):
                    yield head + cells


EXPORT_BATCH = 5000  # households per people query (SQLite allows 32,766 parameters)
_EXPORT_PATHS = {"village": "village__code", "village_name": "village__name"}


def _people_values(households: Sequence[int]) -> list[tuple]:
    """(household id, *PERSON_FIELDS) of the households' people, in id order.

    On PostgreSQL one array parameter instead of thousands in an IN list: compiling and
    sending those cost more than reading the rows."""
    if connection.vendor == "postgresql":
        meta = Person._meta
        columns = ", ".join(meta.get_field(f).column for f in ["household", *PERSON_FIELDS])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM {meta.db_table} WHERE "
                f"{meta.get_field('household').column} = ANY(%s) ORDER BY {meta.pk.column}",
                [list(households)],
            )
            return cursor.fetchall()
    return list(
        Person.objects.filter(household_id__in=households)
        .order_by("pk")
        .values_list("household_id", *PERSON_FIELDS)
    )


def _batches(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    while batch := list(islice(rows, size)):
        yield batch


def _cells(columns: Sequence[Sequence[Any]], functions: Sequence[Any]) -> list[tuple]:
    """Rows of cells from columns of stored values, each column through its function (a
    function of a whole column)."""
    return list(
        zip(
            *[c if f is None else f(c) for c, f in zip(columns, functions, strict=True)],
            strict=True,
        )
    )


def _cell_function(model: type[models.Model], column: Column, reveal: bool) -> Any:
    """The function turning a column of stored values into cells (None where the values are
    the cells): personal data masked, the village read through the relation, and free text
    (names, numbers, codes: anything a user typed) as spreadsheets.cell writes it. Labels,
    是/否, dates and numbers are the cells `cell` would write anyway."""
    field = None if column.field in _EXPORT_PATHS else model._meta.get_field(column.field)
    typed = column.field in _EXPORT_PATHS or (
        isinstance(field, models.CharField | models.TextField) and column.choices is None
    )
    if column.field in PERSONAL and not reveal:
        name = column.field
        one = lambda v: mask(v, name) if v else ""  # noqa: E731
    else:
        one = None if field is None else column.writer(field)
    if typed:
        if one is None:
            return cell_column
        return lambda values: cell_column(list(map(one, values)))
    return None if one is None else lambda values: map(one, values)
