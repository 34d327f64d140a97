"""Ship Guizhou's "four looks" (四看法) as the default identification scoring sheet.

The method comes from Yina town (迤那镇), Weining county, and was spread across Guizhou in
2014: 一看房 (housing), 二看粮 (grain), 三看劳动力强不强 (labour), 四看家中有没有读书郎
(schooling). Each look is worth 25 points, 100 in all; a lower score means a poorer household.
A household scoring 60 or less (60分以下, which in official Chinese usage includes 60) is
proposed as poor; the village's representatives then review and publish the list.

Items, options and points (the facts let a batch run answer an item from the registry):

| item | option | points | registry facts |
| 一看房 | 安全稳固住房(砖混或稳固砖木结构) | 25 | housing = safe |
|        | 一般住房(基本安全,年久需修缮)     | 18 | (asked at the door) |
|        | C级危房                            |  8 | housing = grade_c |
|        | D级危房或无房                      |  0 | housing = grade_d, none |
| 二看粮 | 有余粮 25 / 口粮够吃 18 / 缺粮3个月以内 8 / 缺粮3个月以上 0 — never in the
|        | registry: always asked at the door |
| 三看劳动力强不强 | 2个及以上技能或普通劳动力 | 25 | two_or_more |
|        | 1个劳动力 | 15 | one |
|        | 仅有弱劳动力(患大病、残疾或年老, i.e. over 60) | 8 | weak_only |
|        | 无劳动力 | 0 | none |
| 四看家中有没有读书郎 | 无在校生负担 | 25 | none |
|        | 有义务教育阶段在校生 | 18 | compulsory |
|        | 有高中或中职在校生 | 10 | senior |
|        | 有高职或大学在校生,负担重 | 5 | higher |

Read from the registry (registry.services.derive_facts): labour counts the people aged 16 and
over with a labour ability (技能/普通劳动力), those seriously ill, disabled or over 60 counting
as weak; schooling takes the heaviest burden among the pupils (kindergarten does not count) and
leaves a household with a dropout to a visit; a registry "安全住房" selects the top housing
option, since the registry does not tell a sound house from one needing repair.

The sheet is data: the campaign office may revise points, options or the threshold, or add a
new sheet and make it the default. Reversing this migration removes the sheet only if no
household has been scored with it.
"""

from decimal import Decimal

from django.db import migrations

NAME = "四看法识别评分表"
DESCRIPTION = (
    "贵州“四看法”:一看房、二看粮、三看劳动力强不强、四看家中有没有读书郎。"
    "每项25分,满分100分,分数越低越贫困;总分在60分及以下(含60分)的农户建议识别为贫困户,"
    "经村民代表评议、公示后确定。住房、劳动力、在校生可从登记信息批量预答,"
    "粮食情况须入户核实。"
)

# (name, source, help, [(label, points, facts)])
ITEMS = [
    (
        "一看房",
        "housing",
        "看住房是否安全稳固。登记为“安全住房”的户预选最高档;年久需修缮的一般住房须入户核实。",
        [
            ("安全稳固住房(砖混或稳固砖木结构)", 25, ["safe"]),
            ("一般住房(基本安全,年久需修缮)", 18, []),
            ("C级危房", 8, ["grade_c"]),
            ("D级危房或无房", 0, ["grade_d", "none"]),
        ],
    ),
    (
        "二看粮",
        "manual",
        "看粮食和收入能否维持全年生活。登记信息中没有这一项,须入户核实。",
        [
            ("有余粮", 25, []),
            ("口粮够吃", 18, []),
            ("缺粮3个月以内", 8, []),
            ("缺粮3个月以上", 0, []),
        ],
    ),
    (
        "三看劳动力强不强",
        "labour",
        "看家中年满16岁、有劳动能力的人数;患大病、残疾或超过60岁的算弱劳动力。",
        [
            ("2个及以上技能或普通劳动力", 25, ["two_or_more"]),
            ("1个劳动力", 15, ["one"]),
            ("仅有弱劳动力(患大病、残疾或年老)", 8, ["weak_only"]),
            ("无劳动力", 0, ["none"]),
        ],
    ),
    (
        "四看家中有没有读书郎",
        "schooling",
        "看在校生带来的负担,按负担最重的一档计;有辍学学生的须入户核实。",
        [
            ("无在校生负担", 25, ["none"]),
            ("有义务教育阶段在校生", 18, ["compulsory"]),
            ("有高中或中职在校生", 10, ["senior"]),
            ("有高职或大学在校生,负担重", 5, ["higher"]),
        ],
    ),
]


def add_sheet(apps, schema_editor):
    ScoringSheet = apps.get_model("registry", "ScoringSheet")
    ScoringItem = apps.get_model("registry", "ScoringItem")
    ScoringOption = apps.get_model("registry", "ScoringOption")
    if ScoringSheet.objects.filter(name=NAME).exists():
        return
    sheet = ScoringSheet.objects.create(
        name=NAME,
        year=2014,
        threshold=Decimal("60"),
        poor_when="at_or_below",
        is_default=not ScoringSheet.objects.filter(is_default=True).exists(),
        description=DESCRIPTION,
    )
    for order, (name, source, help_text, options) in enumerate(ITEMS, start=1):
        item = ScoringItem.objects.create(
            sheet=sheet,
            order=order,
            name=name,
            max_points=Decimal(max(points for _label, points, _facts in options)),
            source=source,
            help=help_text,
        )
        for option_order, (label, points, facts) in enumerate(options, start=1):
            ScoringOption.objects.create(
                item=item, order=option_order, label=label, points=Decimal(points), facts=facts
            )


def remove_sheet(apps, schema_editor):
    ScoringSheet = apps.get_model("registry", "ScoringSheet")
    HouseholdScore = apps.get_model("registry", "HouseholdScore")
    for sheet in ScoringSheet.objects.filter(name=NAME):
        if not HouseholdScore.objects.filter(sheet=sheet).exists():
            sheet.delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_identification_exit")]

    operations = [migrations.RunPython(add_sheet, remove_sheet)]
