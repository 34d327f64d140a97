"""The demo's 2016 assessment: a scheme like a 《专项目标考核办法》, hand scores for every unit,
and a frozen, published result set whose points lead to their records."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from bangfu.assessment import services
from bangfu.assessment.models import Indicator, ResultSet, Scheme
from bangfu.assessment.scoring import assessed_units

SCHEME_NAME = "2016年度“五千行动”专项目标考核"

# (name, measure, params, weight, zero at, full marks at, description); a branch's targets for
# the totals (projects, funds) are in BRANCH_TARGETS: a unit has about eleven branches.
INDICATORS: list[tuple[str, str, dict, int, str, str, str]] = [
    ("结对任务完成", "pairing_coverage", {}, 20, "60", "100", "按任务分配方案完成五类结对。"),
    (
        "走访频次",
        "visits_per_pairing_month",
        {"pairing_kinds": ["branch_village"]},
        15,
        "0",
        "1.5",
        "每个结对村每月走访一次半为满分。",
    ),
    ("问题解决", "problems_solved", {}, 10, "50", "95", "问题清单的解决率。"),
    ("问题按时解决", "problems_on_time", {}, 10, "40", "90", "在完成时限内解决。"),
    ("帮扶户脱贫", "households_lifted", {}, 15, "0", "30", "支部书记帮扶户当年脱贫的比例。"),
    ("谋划引进项目", "projects", {}, 10, "0", "20", "谋划、引进和生成的项目个数。"),
    ("引进资金", "funds", {}, 10, "0", "250", "引进资金(万元)。"),
]
BRANCH_TARGETS = {"projects": Decimal(2), "funds": Decimal(25)}
HAND_ITEM = ("工作创新与宣传", 10, "由工委根据单位报送的创新做法和宣传报道评分。")
HAND_COMMENTS = [
    "创新做法被省级媒体报道,经验在全省推广。",
    "有特色做法,按时报送工作信息。",
    "按要求报送工作信息,做法常规。",
    "工作信息报送不及时,缺少创新做法。",
]
HAND_POINTS = [Decimal(10), Decimal(8), Decimal(6), Decimal(4)]


def build_assessment(campaign: Any, seed: int = 1, user: Any = None) -> ResultSet:
    """Build the scheme, score every unit's hand item and freeze and publish the results."""
    rng = random.Random(f"assessment-{seed}")
    scheme = Scheme.objects.create(
        campaign=campaign,
        name=SCHEME_NAME,
        grade_method="rank_share",
        excellent_share=20,
        good_share=30,
        pass_min=60,
        description="按《“五千行动”专项目标考核办法》:由台账自动计算九成分值,"
        "工作创新与宣传由工委评分;前20%为优秀,其后30%为良好,60分以下为不合格。",
    )
    for order, (name, measure, params, weight, zero_at, target, text) in enumerate(
        INDICATORS, start=1
    ):
        Indicator.objects.create(
            scheme=scheme,
            order=order,
            name=name,
            measure=measure,
            params=params,
            weight=Decimal(weight),
            zero_at=Decimal(zero_at),
            target=Decimal(target),
            branch_target=BRANCH_TARGETS.get(measure),
            description=text,
        )
    name, weight, text = HAND_ITEM
    hand = Indicator.objects.create(
        scheme=scheme,
        order=len(INDICATORS) + 1,
        name=name,
        kind="manual",
        weight=Decimal(weight),
        description=text,
    )
    for unit in assessed_units(scheme):
        pick = rng.choices(range(len(HAND_POINTS)), weights=[2, 4, 3, 1])[0]
        services.save_hand_score(hand, unit, HAND_POINTS[pick], HAND_COMMENTS[pick], user)
    result_set = services.freeze(scheme, user, "年终考核")
    return services.publish(result_set, user)
