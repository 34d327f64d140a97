"""The demo scenario: Guizhou's 2016 Five Thousand Action (五千行动), rebuilt from the seed report.

At scale 1 the campaign's records yield exactly the report's headline figures (seed/README.md),
so the dashboard, the `figures` command and the bulletin can be checked against the source
document. Everything is drawn from one `random.Random(seed)`: the same seed and scale give the
same registry, ledger and ID numbers on any database.

The load uses bulk_create throughout, which skips `save()` and signals: derived fields
(county_code, head_name) are set here and no change-log rows are written for it.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO, TypeVar

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction

from bangfu.accounts.choices import Role
from bangfu.accounts.models import User
from bangfu.campaigns.choices import PairingKind, PairingOrigin
from bangfu.campaigns.models import AllocationTarget, Campaign, Pairing
from bangfu.coops.demo import build_coop
from bangfu.dashboard.figures import FIGURE_KEYS
from bangfu.geo.choices import Level
from bangfu.geo.models import Region, VillageYear
from bangfu.geo.services import load_regions
from bangfu.ledger.choices import (
    ActivityKind,
    FundSource,
    ProblemCategory,
    ProblemState,
    ProjectOrigin,
    ProjectSector,
    ProjectState,
    ReviewState,
)
from bangfu.ledger.models import Activity, ActivityParticipant, Problem, Project, ProjectFunding
from bangfu.orgs.choices import CadreRank, Sex, Specialty
from bangfu.orgs.models import Branch, Member, ResidentTeam, Unit
from bangfu.registry import idnumber
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
from bangfu.registry.models import Household, HouseholdIncome, Person

CAMPAIGN_NAME = "2016年省直机关“五千行动”"
CAMPAIGN_YEAR = 2016
CAMPAIGN_START = datetime.date(2016, 3, 1)
CAMPAIGN_END = datetime.date(2016, 12, 31)
LAST_ACTIVITY_DAY = datetime.date(2016, 12, 28)
DEMO_PASSWORD = "bangfu2016"
BATCH_SIZE = 1000

# The report's closing paragraph; "1000余名" leading cadres is pinned to 1,046.
SEED_FIGURES: dict[str, int] = {
    "units": 115,
    "branches_paired": 1263,
    "villages_paired": 1120,
    "secretaries": 1263,
    "households_helped": 2152,
    "cadres_stayed": 1046,
    "expert_visits": 3719,
    "member_visits": 9700,
    "problems_solved": 2725,
    "policy_supports": 3457,
    "tech_service_persons": 5987,
    "dev_ideas": 2563,
    "projects": 1927,
    "funds_yuan": 193_000_000,
}
assert list(SEED_FIGURES) == FIGURE_KEYS, "SEED_FIGURES must follow dashboard.figures.FIGURE_KEYS"

# The villages the report names, by code.
DIGUTUN, WUXING, LEBANG, BAOSHAN = "520623205210", "522729103202", "522723102200", "520524116214"
BIJIE = "520500000000"

# (short name, full name) of the 115 provincial units. The units the report names come first,
# so that small scales still hold its stories (省总工会 hosts the demo logins).
UNITS: list[tuple[str, str]] = [
    ("省总工会", "贵州省总工会"),
    ("省农科院", "贵州省农业科学院"),
    ("省档案局", "贵州省档案局"),
    ("省检察院", "贵州省人民检察院"),
    ("省卫计委", "贵州省卫生和计划生育委员会"),
    ("省水利厅", "贵州省水利厅"),
    ("省农委", "贵州省农业委员会"),
    ("省农业厅", "贵州省农业厅"),
    ("省民宗委", "贵州省民族宗教事务委员会"),
    ("省环保厅", "贵州省环境保护厅"),
    ("省科协", "贵州省科学技术协会"),
    ("贵州科学院", "贵州科学院"),
    ("省委办公厅", "中共贵州省委办公厅"),
    ("省人大办公厅", "贵州省人大常委会办公厅"),
    ("省政府办公厅", "贵州省人民政府办公厅"),
    ("省政协办公厅", "政协贵州省委员会办公厅"),
    ("省纪委", "中共贵州省纪律检查委员会"),
    ("省委组织部", "中共贵州省委组织部"),
    ("省委宣传部", "中共贵州省委宣传部"),
    ("省委统战部", "中共贵州省委统一战线工作部"),
    ("省委政法委", "中共贵州省委政法委员会"),
    ("省委政研室", "中共贵州省委政策研究室"),
    ("省委农办", "中共贵州省委农村工作领导小组办公室"),
    ("省编办", "贵州省机构编制委员会办公室"),
    ("省委党校", "中共贵州省委党校"),
    ("省委党史研究室", "中共贵州省委党史研究室"),
    ("省委老干部局", "中共贵州省委老干部局"),
    ("省委网信办", "中共贵州省委网络安全和信息化领导小组办公室"),
    ("省委台办", "中共贵州省委台湾工作办公室"),
    ("省委机要局", "中共贵州省委机要局"),
    ("省信访局", "贵州省信访局"),
    ("省法院", "贵州省高级人民法院"),
    ("省发展改革委", "贵州省发展和改革委员会"),
    ("省经济和信息化委", "贵州省经济和信息化委员会"),
    ("省教育厅", "贵州省教育厅"),
    ("省科技厅", "贵州省科学技术厅"),
    ("省公安厅", "贵州省公安厅"),
    ("省国家安全厅", "贵州省国家安全厅"),
    ("省民政厅", "贵州省民政厅"),
    ("省司法厅", "贵州省司法厅"),
    ("省财政厅", "贵州省财政厅"),
    ("省人力资源社会保障厅", "贵州省人力资源和社会保障厅"),
    ("省国土资源厅", "贵州省国土资源厅"),
    ("省住房城乡建设厅", "贵州省住房和城乡建设厅"),
    ("省交通运输厅", "贵州省交通运输厅"),
    ("省林业厅", "贵州省林业厅"),
    ("省商务厅", "贵州省商务厅"),
    ("省文化厅", "贵州省文化厅"),
    ("省审计厅", "贵州省审计厅"),
    ("省外事办", "贵州省人民政府外事办公室"),
    ("省国资委", "贵州省人民政府国有资产监督管理委员会"),
    ("省地税局", "贵州省地方税务局"),
    ("省工商局", "贵州省工商行政管理局"),
    ("省质监局", "贵州省质量技术监督局"),
    ("省新闻出版广电局", "贵州省新闻出版广电局"),
    ("省体育局", "贵州省体育局"),
    ("省安监局", "贵州省安全生产监督管理局"),
    ("省食品药品监管局", "贵州省食品药品监督管理局"),
    ("省统计局", "贵州省统计局"),
    ("省旅游发展委", "贵州省旅游发展委员会"),
    ("省扶贫办", "贵州省扶贫开发办公室"),
    ("省政府法制办", "贵州省人民政府法制办公室"),
    ("省政府研究室", "贵州省人民政府研究室"),
    ("省政府金融办", "贵州省人民政府金融工作办公室"),
    ("省政府参事室", "贵州省人民政府参事室"),
    ("省人防办", "贵州省人民防空办公室"),
    ("省机关事务局", "贵州省机关事务管理局"),
    ("省粮食局", "贵州省粮食局"),
    ("省能源局", "贵州省能源局"),
    ("省物价局", "贵州省物价局"),
    ("省监狱管理局", "贵州省监狱管理局"),
    ("省戒毒管理局", "贵州省戒毒管理局"),
    ("省文物局", "贵州省文物局"),
    ("省中医药管理局", "贵州省中医药管理局"),
    ("省知识产权局", "贵州省知识产权局"),
    ("省水库和生态移民局", "贵州省水库和生态移民局"),
    ("省国防科工办", "贵州省国防科技工业办公室"),
    ("省地矿局", "贵州省地质矿产勘查开发局"),
    ("省有色地勘局", "贵州省有色金属和核工业地质勘查局"),
    ("省煤田地质局", "贵州省煤田地质局"),
    ("省供销社", "贵州省供销合作社联合社"),
    ("省社科院", "贵州省社会科学院"),
    ("团省委", "共青团贵州省委员会"),
    ("省妇联", "贵州省妇女联合会"),
    ("省文联", "贵州省文学艺术界联合会"),
    ("省作协", "贵州省作家协会"),
    ("省侨联", "贵州省归国华侨联合会"),
    ("省残联", "贵州省残疾人联合会"),
    ("省红十字会", "贵州省红十字会"),
    ("省工商联", "贵州省工商业联合会"),
    ("省社科联", "贵州省社会科学界联合会"),
    ("省法学会", "贵州省法学会"),
    ("省贸促会", "中国国际贸易促进委员会贵州省委员会"),
    ("省气象局", "贵州省气象局"),
    ("省地震局", "贵州省地震局"),
    ("省通信管理局", "贵州省通信管理局"),
    ("省邮政管理局", "贵州省邮政管理局"),
    ("省测绘地信局", "贵州省测绘地理信息局"),
    ("省地方志办", "贵州省地方志编纂委员会办公室"),
    ("省公共资源交易中心", "贵州省公共资源交易中心"),
    ("省投资促进局", "贵州省投资促进局"),
    ("省保密局", "贵州省国家保密局"),
    ("省委讲师团", "中共贵州省委讲师团"),
    ("省老龄办", "贵州省老龄工作委员会办公室"),
    ("贵州广播电视台", "贵州广播电视台"),
    ("贵州日报报业集团", "贵州日报报业集团"),
    ("贵州大学", "贵州大学"),
    ("贵州师范大学", "贵州师范大学"),
    ("贵州医科大学", "贵州医科大学"),
    ("贵州民族大学", "贵州民族大学"),
    ("贵州财经大学", "贵州财经大学"),
    ("省人民医院", "贵州省人民医院"),
    ("省疾控中心", "贵州省疾病预防控制中心"),
    ("省职业技术学院", "贵州职业技术学院"),
    ("省农业职业学院", "贵州农业职业学院"),
]
assert len(UNITS) == SEED_FIGURES["units"] and len({s for s, _f in UNITS}) == len(UNITS)

S = Specialty
# The 19 units that send professionals (专业人才), with the specialties they send.
PROFESSIONAL_UNITS: dict[str, list[str]] = {
    "省农科院": [S.AGRONOMY, S.ANIMAL_HUSBANDRY, S.FORESTRY],
    "省卫计委": [S.HEALTH],
    "省水利厅": [S.WATER],
    "省农委": [S.AGRONOMY, S.ANIMAL_HUSBANDRY],
    "省农业厅": [S.AGRONOMY, S.ANIMAL_HUSBANDRY],
    "贵州科学院": [S.AGRONOMY, S.FORESTRY, S.OTHER],
    "省林业厅": [S.FORESTRY],
    "省科技厅": [S.AGRONOMY, S.COMMERCE, S.OTHER],
    "省教育厅": [S.EDUCATION],
    "省住房城乡建设厅": [S.CONSTRUCTION],
    "省交通运输厅": [S.CONSTRUCTION],
    "省国土资源厅": [S.CONSTRUCTION, S.OTHER],
    "省商务厅": [S.COMMERCE],
    "省旅游发展委": [S.TOURISM],
    "省司法厅": [S.LAW],
    "省中医药管理局": [S.HEALTH],
    "省人民医院": [S.HEALTH],
    "贵州医科大学": [S.HEALTH, S.EDUCATION],
    "省疾控中心": [S.HEALTH],
}
assert len(PROFESSIONAL_UNITS) == 19

# Relative number of branches; the rest of the units weigh 0.6-1.6 at random.
BIG_UNITS = {
    "省农科院": 3.0,
    "省公安厅": 2.5,
    "贵州大学": 2.5,
    "省卫计委": 2.0,
    "贵州科学院": 2.0,
    "省人民医院": 2.0,
    "省法院": 1.6,
    "省检察院": 1.6,
}
# Branches named after what they are rather than numbered; numbered ones follow.
NAMED_BRANCHES = {
    "省农科院": [
        "畜牧兽医研究所党支部",
        "水稻研究所党支部",
        "茶叶研究所党支部",
        "果树科学研究所党支部",
        "植物保护研究所党支部",
        "土壤肥料研究所党支部",
        "园艺研究所党支部",
        "草业研究所党支部",
    ],
    "省检察院": ["申诉处党支部"],
}
# Seats of the provincial units (Guiyang's central districts).
SEAT_COUNTIES = ["520102000000", "520103000000", "520115000000"]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林梁谢宋唐韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程"
    "魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦龙蒙岑敖安穆熊王李张刘陈杨吴罗龙石"
)
MALE_CHARS = "国明华强军平勇志建文光林伟成德福贵富荣兴海金龙云山忠祥春永发刚波辉斌鹏涛飞超杰峰俊宇浩磊鑫松武江洪昌元顺亮学正开先世远锦"
FEMALE_CHARS = "芳英秀兰梅琴丽霞燕玉珍桂花红艳萍凤娟敏静婷莉娇琳雪慧洁颖倩玲丹媛月菊香仙翠美春蓉"
MOBILE_PREFIXES = ["135", "136", "137", "138", "139", "150", "151", "152", "158", "182", "187"]

# A unit's head by the last character of its name: 厅 → 厅长, 委 → 主任, 会 → 主席 ...
# A unit head's title by how the unit's name ends; the first match wins.
HEAD_TITLES = [
    ("科学院", "院长"),
    ("大学", "校长"),
    ("学院", "校长"),
    ("党校", "校长"),
    ("讲师团", "团长"),
    ("电视台", "台长"),
    ("集团", "董事长"),
    ("红十字会", "会长"),
    ("法学会", "会长"),
    ("委员会", "主任"),
    ("会", "主席"),
    ("厅", "厅长"),
    ("局", "局长"),
    ("部", "部长"),
    ("院", "院长"),
]
DIVISION_TITLES = {CadreRank.DIVISION_CHIEF: "处长", CadreRank.DIVISION_DEPUTY: "副处长"}
STAFF_POSITIONS = ["主任科员", "副主任科员", "科员", "调研员", "副调研员"]
PROFESSIONAL_POSITIONS = {
    S.AGRONOMY: ["研究员", "高级农艺师", "农艺师"],
    S.ANIMAL_HUSBANDRY: ["研究员", "高级兽医师", "畜牧师"],
    S.FORESTRY: ["高级工程师", "林业工程师"],
    S.HEALTH: ["主任医师", "副主任医师", "主治医师"],
    S.WATER: ["高级工程师", "水利工程师"],
    S.EDUCATION: ["高级教师", "教研员"],
    S.FINANCE: ["经济师"],
    S.LAW: ["律师", "公职律师"],
    S.CONSTRUCTION: ["高级工程师", "规划师"],
    S.COMMERCE: ["经济师", "电商讲师"],
    S.TOURISM: ["旅游规划师"],
    S.OTHER: ["副研究员", "工程师"],
}
SPECIALTY_WORK = {
    S.AGRONOMY: ["开展{crop}种植技术指导", "现场讲解{crop}病虫害防治", "测土配方施肥指导"],
    S.ANIMAL_HUSBANDRY: ["开展畜禽疫病防控培训", "指导中华蜂养殖", "开展生态养牛技术指导"],
    S.FORESTRY: ["指导经果林栽培管护", "开展林下经济技术培训"],
    S.HEALTH: ["开展义诊和健康体检", "为慢性病患者建立随访档案", "培训村医"],
    S.WATER: ["勘察人饮工程水源", "指导小水窖建设", "排查饮水安全隐患"],
    S.EDUCATION: ["为留守儿童开展课业辅导", "开展教师培训"],
    S.FINANCE: ["宣讲扶贫小额信贷政策"],
    S.LAW: ["开展法律咨询和普法宣传", "帮助调解矛盾纠纷"],
    S.CONSTRUCTION: ["指导危房改造", "帮助编制村庄规划", "勘察通组路线路"],
    S.COMMERCE: ["培训农村电商", "帮助对接农产品销路"],
    S.TOURISM: ["帮助编制乡村旅游规划", "指导农家乐经营"],
    S.OTHER: ["开展科技服务", "开展科普宣传"],
}
CROPS = ["茶叶", "刺梨", "猕猴桃", "精品水果", "蔬菜", "中药材", "食用菌", "核桃", "辣椒", "油茶"]

SUMMARIES: dict[str, list[str]] = {
    ActivityKind.STAY: [
        "进村蹲点调研{days}天,走访贫困户,召开院坝会,现场办公解决群众反映的问题",
        "驻村蹲点{days}天,与村支两委共商脱贫规划,督导帮扶措施落实",
        "蹲点调研{days}天,实地查看产业基地和基础设施,现场协调解决突出问题",
    ],
    ActivityKind.SERVICE_VISIT: [
        "入户走访贫困户,宣讲扶贫政策,帮助理清脱贫思路",
        "开展“党员进村服务发展”活动,帮助群众解决生产生活困难",
        "走访慰问贫困户和留守老人,了解帮扶需求",
        "参加村组院坝会,协助完善贫困户档案资料",
    ],
    ActivityKind.SURVEY: [
        "全面走访摸底,核实贫困户家庭人口和收入情况",
        "开展精准识别入户调查,更新建档立卡信息",
    ],
    ActivityKind.POLICY_SUPPORT: [
        "宣讲精准扶贫政策,提供产业扶持政策信息{q}条",
        "收集整理就业、教育、医疗扶贫政策{q}条送到农户手中",
        "为村里提供市场和项目信息{q}条",
    ],
    ActivityKind.TECH_SERVICE: [
        "举办实用技术培训班,培训群众{q}人次",
        "开展田间技术指导,服务农户{q}人次",
        "组织养殖技术培训,参训{q}人次",
    ],
    ActivityKind.DEV_IDEA: [
        "与村支两委研究产业发展,提出发展思路{q}条",
        "帮助修订村脱贫攻坚规划,完善发展思路{q}条",
    ],
    ActivityKind.PARTY_BUILDING: [
        "与村党支部开展支部共建,联合开展主题党日活动",
        "指导村党支部规范“三会一课”,讲授专题党课",
        "帮助村党支部开展“红旗党支部”创建活动",
    ],
    ActivityKind.FUNDS: [
        "协调{source}{wan}万元,用于{purpose}",
        "争取{source}{wan}万元支持{purpose}",
    ],
}
FUND_PURPOSES = [
    "通组路硬化",
    "人饮工程建设",
    "产业基地建设",
    "村级活动场所改造",
    "危房改造",
    "合作社发展",
]
PROBLEM_TITLES: dict[str, list[str]] = {
    ProblemCategory.INFRASTRUCTURE: [
        "{g}通组路未硬化",
        "村内道路破损",
        "{g}缺少路灯",
        "产业路不通",
    ],
    ProblemCategory.INDUSTRY: [
        "缺少主导产业",
        "{crop}种植缺技术",
        "农产品销路不畅",
        "合作社运营不规范",
    ],
    ProblemCategory.EDUCATION: ["留守儿童无人辅导", "贫困学生上学困难", "教学点校舍陈旧"],
    ProblemCategory.HEALTH: ["慢性病患者缺乏随访", "村卫生室设备不足", "大病患者报销困难"],
    ProblemCategory.HOUSING: ["危房改造未完成", "贫困户住房漏雨", "易地扶贫搬迁对象动员"],
    ProblemCategory.WATER: ["{g}饮水不安全", "季节性缺水", "人饮管网老化"],
    ProblemCategory.EMPLOYMENT: ["贫困劳动力缺乏技能", "外出务工信息不畅", "公益性岗位不足"],
    ProblemCategory.DISPUTE: ["{g}山林权属纠纷", "土地承包纠纷", "邻里宅基地纠纷"],
    ProblemCategory.PARTY_BUILDING: ["村支两委班子不齐", "党员活动场所简陋", "“三会一课”不规范"],
    ProblemCategory.OTHER: ["低保评定不规范", "村务公开不及时", "群众政策知晓率低"],
}
PROJECT_NAMES: dict[str, list[str]] = {
    ProjectSector.AGRICULTURE: ["{v}{crop}种植基地", "{v}{crop}产业示范园"],
    ProjectSector.LIVESTOCK: ["{v}生态肉牛养殖项目", "{v}林下土鸡养殖项目", "{v}生猪养殖项目"],
    ProjectSector.INFRASTRUCTURE: ["{v}通组路硬化工程", "{v}人饮安全巩固工程", "{v}产业路建设"],
    ProjectSector.TOURISM: ["{v}乡村旅游示范点", "{v}民族村寨保护与旅游开发"],
    ProjectSector.PROCESSING: ["{v}{crop}加工厂", "{v}农产品初加工车间"],
    ProjectSector.ECOMMERCE: ["{v}农村电商服务站"],
    ProjectSector.EDUCATION: ["{v}幼儿园改扩建", "{v}教学点改造"],
    ProjectSector.HEALTH: ["{v}标准化村卫生室建设"],
    ProjectSector.OTHER: ["{v}光伏扶贫电站", "{v}村集体经济合作社"],
}

T = TypeVar("T")


def scaled(value: int, scale: float) -> int:
    """A seed count at a scale: rounded, and never below one so every figure stays visible."""
    return max(1, round(value * scale))


def expected_figures(scale: float = 1.0) -> dict[str, int | Decimal]:
    """The headline figures a scenario of this scale must produce, keyed as FIGURE_KEYS."""
    figures: dict[str, int | Decimal] = {k: scaled(v, scale) for k, v in SEED_FIGURES.items()}
    figures["funds_yuan"] = Decimal(figures["funds_yuan"])
    return figures


DEMO_USERNAMES = ("office", "unit", "branch", "village", "member", "viewer")


@dataclass
class DemoUser:
    username: str
    role: str
    scope: str


@dataclass
class Scenario:
    """What a build made: the campaign, the figures it must yield, and the demo logins."""

    seed: int
    scale: float
    campaign: Campaign
    figures: dict[str, int | Decimal]
    users: list[DemoUser] = field(default_factory=list)
    password: str = DEMO_PASSWORD
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# In-memory rows the generator works with; the model instances carry the database ids.
@dataclass(eq=False)
class _Unit:
    unit: Unit
    short: str
    specialties: list[str]
    branches: list[_Branch] = field(default_factory=list)

    @property
    def professionals(self) -> list[Member]:
        return [m for b in self.branches for m in b.members if m.is_professional]


@dataclass(eq=False)
class _Branch:
    branch: Branch
    unit: _Unit
    members: list[Member] = field(default_factory=list)
    village: _Village | None = None
    pairing: Pairing | None = None
    households: list[Household] = field(default_factory=list)

    @property
    def secretary(self) -> Member:
        return self.members[0]

    @property
    def party_members(self) -> list[Member]:
        return [m for m in self.members if m.is_party_member]


@dataclass(eq=False)
class _Village:
    region_id: int
    code: str
    name: str
    households: list[Household] = field(default_factory=list)
    people: int = 0


@dataclass(eq=False)
class _Activity:
    """An activity before it is saved, with its participants and the pairing it belongs to."""

    activity: Activity
    participants: list[Member]
    village: _Village
    pairing_kind: str | None = None
    households: list[Household] = field(default_factory=list)


def chinese_number(n: int) -> str:
    """1 → 一, 15 → 十五, 105 → 一百零五: branches are named 第五党支部, not 第5党支部."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        head = digits[n // 100] + "百"
        if rest == 0:
            return head
        if rest < 10:
            return head + "零" + digits[rest]
        return head + ("一" if rest < 20 else "") + chinese_number(rest)
    return str(n)


def _bulk(model: type[models.Model], objs: Sequence[T]) -> Sequence[T]:
    """bulk_create in batches; ids come back on SQLite (3.35+) and PostgreSQL alike."""
    if objs:
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        assert getattr(objs[0], "pk", 1) is not None, "the database did not return new ids"
    return objs


class _Builder:
    """One build: the random stream, the targets and what has been made so far."""

    def __init__(self, seed: int, scale: float, stdout: TextIO | None) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.scale = scale
        self.stdout = stdout
        self.target = expected_figures(scale)
        self.counts: dict[str, int] = {}
        self.units: list[_Unit] = []
        self.branches: list[_Branch] = []
        self.villages: list[_Village] = []
        self.village_by_code: dict[str, _Village] = {}
        self.activities: list[_Activity] = []
        self.id_numbers: set[str] = set()
        self.people_of: dict[int, list[Person]] = {}
        self.code_of_village: dict[int, str] = {}
        self.branch_of_member: dict[int, _Branch] = {}
        self.person_pairings: dict[tuple[str, int, int], Pairing] = {}
        self.lebang_survey: _Activity | None = None
        self._clock = time.perf_counter()

    # -- helpers -------------------------------------------------------------------------------

    def log(self, stage: str) -> None:
        now = time.perf_counter()
        if self.stdout is not None:
            self.stdout.write(f"  {stage}: {now - self._clock:.1f}s\n")
        self._clock = now

    def count(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def day(self, first: datetime.date, last: datetime.date = LAST_ACTIVITY_DAY) -> datetime.date:
        first = max(first, CAMPAIGN_START)
        if first >= last:
            return last
        return first + datetime.timedelta(days=self.rng.randint(0, (last - first).days))

    def weighted(self, choices: dict[T, float]) -> T:
        return self.rng.choices(list(choices), weights=list(choices.values()))[0]

    def name(self, sex: str, surname: str | None = None) -> str:
        chars = MALE_CHARS if sex == Sex.MALE else FEMALE_CHARS
        given = "".join(self.rng.choice(chars) for _ in range(self.rng.choice([1, 2, 2])))
        return (surname or self.rng.choice(SURNAMES)) + given

    def phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def group(self) -> str:
        return chinese_number(self.rng.randint(1, 12)) + "组"

    def split(self, total: int, step: Callable[[], int]) -> list[int]:
        """Break a total into parts drawn by `step`, the last part trimmed to land exactly."""
        parts = []
        while total > 0:
            part = min(max(1, step()), total)
            parts.append(part)
            total -= part
        return parts

    # -- stages --------------------------------------------------------------------------------

    def campaign_stage(self) -> None:
        self.campaign = Campaign(
            name=CAMPAIGN_NAME, year=CAMPAIGN_YEAR, start=CAMPAIGN_START, end=CAMPAIGN_END
        )
        _bulk(Campaign, [self.campaign])

    def units_stage(self) -> None:
        """The units; at scales above 1 the list repeats with a number to keep names unique."""
        seats = list(
            Region.objects.filter(code__in=SEAT_COUNTIES)
            .order_by("code")
            .values_list("pk", flat=True)
        )
        n = self.target["units"]
        for i in range(n):
            short, full = UNITS[i % len(UNITS)]
            suffix = str(i // len(UNITS) + 1) if i >= len(UNITS) else ""
            unit = Unit(
                name=full + suffix,
                short_name=short + suffix,
                sends_professionals=short in PROFESSIONAL_UNITS,
                seat_id=self.rng.choice(seats) if seats else None,
                committee_contact=self.name(self.rng.choice([Sex.MALE, Sex.FEMALE])),
                committee_phone=f"0851-{self.rng.randrange(8500_0000, 8699_9999)}",
            )
            self.units.append(_Unit(unit, short + suffix, list(PROFESSIONAL_UNITS.get(short, []))))
        if not any(u.specialties for u in self.units):
            # Tiny scales may hold no professional unit; the expert figure still needs one.
            last = self.units[-1]
            last.unit.sends_professionals = True
            last.specialties = [S.AGRONOMY, S.ANIMAL_HUSBANDRY]
        _bulk(Unit, [u.unit for u in self.units])
        self.count("units", len(self.units))

    def branch_sizes(self) -> list[int]:
        """Branches per unit: at least one each, shared out by weight, 省总工会 with six."""
        n_units, n_branches = len(self.units), self.target["branches_paired"]
        weights = [BIG_UNITS.get(u.short, self.rng.uniform(0.6, 1.6)) for u in self.units]
        spare = n_branches - n_units
        shares = [spare * w / sum(weights) for w in weights]
        sizes = [1 + int(s) for s in shares]
        by_remainder = sorted(range(n_units), key=lambda i: (int(shares[i]) - shares[i], i))
        for i in by_remainder[: n_branches - sum(sizes)]:
            sizes[i] += 1
        want = min(6, n_branches - (n_units - 1))  # the demo branch is 省总工会 第五党支部
        while sizes[0] < want:
            donor = max(range(1, n_units), key=lambda i: (sizes[i], -i))
            sizes[donor] -= 1
            sizes[0] += 1
        return sizes

    def branches_stage(self) -> None:
        for u, size in zip(self.units, self.branch_sizes(), strict=True):
            named = NAMED_BRANCHES.get(u.short, [])[:size]
            style = (
                "第{}党支部"
                if u.short == "省总工会"
                else self.rng.choice(["第{}党支部", "机关第{}党支部"])
            )
            names = named + [style.format(chinese_number(i + 1)) for i in range(size - len(named))]
            for name in names:
                b = _Branch(Branch(unit=u.unit, name=name, capacity=1), u)
                u.branches.append(b)
                self.branches.append(b)
        _bulk(Branch, [b.branch for b in self.branches])
        self.count("branches", len(self.branches))

    def members_stage(self) -> None:
        """About eight people a branch: the secretary, a leading cadre or two, staff, experts."""
        for u in self.units:
            for index, b in enumerate(u.branches):
                secretary_rank = CadreRank.DIVISION_CHIEF if self.rng.random() < 0.5 else ""
                b.members.append(self.member(b, secretary=True, rank=secretary_rank))
                if index == 0:  # the unit's leadership sits in its first branch
                    b.members.append(self.member(b, rank=CadreRank.BUREAU_CHIEF))
                    for _ in range(self.rng.randint(2, 4)):
                        b.members.append(self.member(b, rank=CadreRank.BUREAU_DEPUTY))
                deputy = self.weighted({CadreRank.DIVISION_DEPUTY: 7, CadreRank.DIVISION_CHIEF: 3})
                b.members.append(self.member(b, rank=deputy))
                for i in range(self.rng.randint(4, 8)):
                    expert = bool(u.specialties) and (i == 0 or self.rng.random() < 0.45)
                    b.members.append(
                        self.member(b, specialty=self.rng.choice(u.specialties) if expert else "")
                    )
        self.feature_members()
        self.branch_of_member = {id(m): b for b in self.branches for m in b.members}
        _bulk(Member, [m for b in self.branches for m in b.members])
        self.count("members", sum(len(b.members) for b in self.branches))

    def member(
        self, b: _Branch, *, secretary: bool = False, rank: str = "", specialty: str = ""
    ) -> Member:
        sex = Sex.MALE if self.rng.random() < (0.75 if rank else 0.55) else Sex.FEMALE
        if rank:
            position = self.cadre_title(b.unit.unit.name, rank)
        elif specialty:
            position = self.rng.choice(PROFESSIONAL_POSITIONS[specialty])
        else:
            position = self.rng.choice(STAFF_POSITIONS)
        if secretary:
            position = f"{position}、支部书记" if rank else "支部书记"
        return Member(
            branch=b.branch,
            name=self.name(sex),
            sex=sex,
            phone=self.phone(),
            position=position,
            is_party_member=bool(secretary or rank or self.rng.random() < 0.9),
            is_secretary=secretary,
            is_leading_cadre=bool(rank),
            cadre_rank=rank,
            is_professional=bool(specialty),
            specialty=specialty,
        )

    def cadre_title(self, unit_name: str, rank: str) -> str:
        if rank in DIVISION_TITLES:
            return DIVISION_TITLES[rank]
        name = unit_name.rstrip("0123456789")
        if name.startswith(("中共", "共青团")) and name.endswith("委员会"):
            return "书记" if rank == CadreRank.BUREAU_CHIEF else "副书记"
        head = next((t for end, t in HEAD_TITLES if name.endswith(end)), "主任")
        return f"党组书记、{head}" if rank == CadreRank.BUREAU_CHIEF else f"副{head}"

    def find_branch(self, unit_short: str, name: str | None = None) -> _Branch | None:
        for u in self.units:
            if u.short == unit_short and u.branches:
                if name is None:
                    return u.branches[0]
                return next((b for b in u.branches if b.branch.name == name), None)
        return None

    def feature_members(self) -> None:
        """The people the report names, where their unit is part of this scale."""
        people = [
            (
                "省农科院",
                "畜牧兽医研究所党支部",
                "张锦华",
                S.ANIMAL_HUSBANDRY,
                "研究员、驻村第一书记",
            ),
            ("省档案局", None, "陆曙光", "", "驻村第一书记"),
            ("省民宗委", None, "左朝刚", "", "机关党委书记"),
        ]
        for unit_short, branch_name, name, specialty, position in people:
            b = self.find_branch(unit_short, branch_name)
            if b is None:
                continue
            m = next(
                m for m in reversed(b.members) if not m.is_secretary and not m.is_leading_cadre
            )
            m.name, m.sex, m.position, m.is_party_member = name, Sex.MALE, position, True
            m.is_professional, m.specialty = bool(specialty), specialty

    def villages_stage(self) -> None:
        """Pick the paired villages: each unit works in a few counties, rural ones preferred."""
        rows = Region.objects.filter(level=Level.VILLAGE).order_by("code")
        county_names = dict(
            Region.objects.filter(level=Level.COUNTY).values_list("county_code", "name")
        )
        by_county: dict[str, list[tuple[int, str, str]]] = {}
        featured = {DIGUTUN, WUXING, LEBANG, BAOSHAN}
        for pk, code, name in rows.values_list("pk", "code", "name"):
            if code in featured:
                self.village_by_code[code] = _Village(pk, code, name)
            elif name.endswith("村"):
                by_county.setdefault(code[:6], []).append((pk, code, name))
        county_weight = {c: self.county_weight(county_names.get(c, "")) for c in by_county}
        needed = self.target["villages_paired"]
        if needed > sum(len(v) for v in by_county.values()) + len(featured):
            raise ValueError(f"scale {self.scale} needs {needed} villages; Guizhou has fewer")

        def take(counties: list[str]) -> _Village:
            open_counties = [c for c in counties if by_county[c]]
            if not open_counties:
                open_counties = [c for c in by_county if by_county[c]]
            county = self.rng.choices(
                open_counties, weights=[county_weight[c] for c in open_counties]
            )[0]
            pool = by_county[county]
            pk, code, name = pool.pop(self.rng.randrange(len(pool)))
            v = _Village(pk, code, name)
            self.village_by_code[code] = v
            return v

        fixed = self.featured_pairings()
        movable = [
            b
            for u in self.units
            for b in u.branches[1:]
            if b.branch.name not in fixed.get(u.short, {})
        ]
        sharers = set(self.rng.sample(movable, len(self.branches) - needed))
        counties = list(by_county)
        for u in self.units:
            home = self.rng.choices(
                counties, weights=[county_weight[c] for c in counties], k=self.rng.randint(1, 3)
            )
            primary: list[_Village] = []
            for b in u.branches:
                if b.branch.name in fixed.get(u.short, {}):
                    b.village = self.village_by_code[fixed[u.short][b.branch.name]]
                    primary.append(b.village)
                elif b in sharers:
                    b.village = self.rng.choice(primary)
                else:
                    b.village = take(home)
                    primary.append(b.village)
        self.code_of_village = {v.region_id: v.code for v in self.village_by_code.values()}
        paired = {id(b.village): b.village for b in self.branches if b.village}
        self.villages = sorted(paired.values(), key=lambda v: v.code)
        assert len(self.villages) == needed

    def county_weight(self, name: str) -> float:
        if name in ("南明区", "云岩区", "观山湖区"):
            return 0.05
        if name.endswith("县") or name in ("六枝特区", "水城区"):
            return 3.0
        return 1.0 if name.endswith("市") else 0.3

    def featured_pairings(self) -> dict[str, dict[str, str]]:
        """unit → branch name → village code, for the pairings the report tells of."""
        wanted = [
            ("省总工会", "第五党支部", BAOSHAN),
            ("省检察院", "申诉处党支部", WUXING),
            ("省档案局", None, LEBANG),
            ("省农科院", "畜牧兽医研究所党支部", DIGUTUN),
        ]
        fixed: dict[str, dict[str, str]] = {}
        for unit_short, branch_name, code in wanted:
            b = self.find_branch(unit_short, branch_name)
            if b is not None:
                fixed.setdefault(unit_short, {})[b.branch.name] = code
        return fixed

    def branch_pairings_stage(self) -> None:
        for b in self.branches:
            assert b.village is not None
            start = (
                datetime.date(2016, 4, 1)
                if b.village.code == BAOSHAN
                else self.day(CAMPAIGN_START, datetime.date(2016, 4, 30))
            )
            b.pairing = Pairing(
                campaign=self.campaign,
                kind=PairingKind.BRANCH_VILLAGE,
                branch=b.branch,
                village_id=b.village.region_id,
                county_code=b.village.code[:6],
                origin=self.weighted({PairingOrigin.CLAIMED: 6, PairingOrigin.ASSIGNED: 4}),
                start=start,
            )
        _bulk(Pairing, [b.pairing for b in self.branches])
        self.count("pairings", len(self.branches))

    def households_stage(self) -> None:
        """Each secretary helps one household or more in the branch's village (帮扶责任人)."""
        per_branch = [1] * len(self.branches)
        for _ in range(self.target["households_helped"] - len(self.branches)):
            per_branch[self.rng.randrange(len(self.branches))] += 1
        households = []
        for b, n in zip(self.branches, per_branch, strict=True):
            for _ in range(n):
                h, _members = self.household(b.village)
                b.households.append(h)
                households.append(h)
        self.save_households(households)

    def save_households(self, households: list[Household]) -> None:
        """Store households made by `household()` with their people and income, and count
        them: every stage that adds households (the cooperative's too) goes through here, so
        the printed counts are what was stored."""
        _bulk(Household, households)
        people = []
        for h in households:
            for p in self.people_of[id(h)]:
                p.household = h
                people.append(p)
        _bulk(Person, people)
        _bulk(HouseholdIncome, [self.income(h) for h in households])
        self.count("households", len(households))
        self.count("people", len(people))

    def household(self, v: _Village) -> tuple[Household, list[Person]]:
        rng = self.rng
        seq = len(v.households) + 1
        size = rng.choices([1, 2, 3, 4, 5, 6], weights=[8, 17, 22, 25, 16, 12])[0]
        main_cause = self.weighted(
            {
                PovertyCause.ILLNESS: 18,
                PovertyCause.DISABILITY: 7,
                PovertyCause.SCHOOLING: 8,
                PovertyCause.DISASTER: 3,
                PovertyCause.LACK_LAND: 5,
                PovertyCause.LACK_WATER: 4,
                PovertyCause.LACK_SKILLS: 16,
                PovertyCause.LACK_LABOUR: 9,
                PovertyCause.LACK_FUNDS: 18,
                PovertyCause.POOR_TRANSPORT: 6,
                PovertyCause.LACK_DRIVE: 5,
                PovertyCause.OTHER: 1,
            }
        )
        others = [c for c in PovertyCause.values if c != main_cause]
        lifted = rng.random() < 0.18
        housing = (
            HousingSafety.SAFE
            if lifted
            else self.weighted(
                {
                    HousingSafety.SAFE: 60,
                    HousingSafety.GRADE_C: 20,
                    HousingSafety.GRADE_D: 15,
                    HousingSafety.NONE: 5,
                }
            )
        )
        people = self.people(v, size, main_cause)
        h = Household(
            village_id=v.region_id,
            county_code=v.code[:6],
            number=f"{v.code}{seq:04d}",
            head_name=people[0].name,
            attribute=self.weighted(
                {
                    HouseholdAttribute.GENERAL: 70,
                    HouseholdAttribute.DIBAO: 25,
                    HouseholdAttribute.TEKUN: 5,
                }
            ),
            identified_year=self.weighted({2014: 7, 2015: 2, 2016: 1}),
            main_cause=main_cause,
            other_causes=sorted(rng.sample(others, rng.choice([0, 1, 1, 2]))),
            housing=housing,
            housing_area=Decimal(rng.randint(350, 1600)) / 10,
            arable_land=Decimal(rng.randint(30, 600)) / 100,
            phone=self.phone() if rng.random() < 0.8 else "",
            bank_account="6228" + f"{rng.randrange(10**15):015d}",
            food_ok=True,
            clothing_ok=True,
            education_ok=lifted or rng.random() < 0.85,
            medical_ok=lifted or rng.random() < 0.8,
            housing_ok=housing == HousingSafety.SAFE,
            water_ok=lifted or rng.random() < 0.7,
            status=HouseholdStatus.LIFTED if lifted else HouseholdStatus.POOR,
            exit_year=CAMPAIGN_YEAR if lifted else None,
        )
        self.people_of[id(h)] = people  # linked once the household has its id
        v.households.append(h)
        v.people += size
        return h, people

    def people(self, v: _Village, size: int, main_cause: str) -> list[Person]:
        """A family of `size`, head first, with ID numbers that agree with sex and birth date."""
        rng = self.rng
        head_sex = Sex.MALE if rng.random() < 0.82 else Sex.FEMALE
        head_age = rng.randint(28, 80) if size > 1 else rng.randint(45, 85)
        surname = rng.choice(SURNAMES)
        family = [(Relation.HEAD, head_sex, head_age, surname)]
        if size > 1 and head_age < 76 and rng.random() < 0.85:
            spouse_sex = Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE
            family.append(
                (Relation.SPOUSE, spouse_sex, max(20, head_age + rng.randint(-5, 4)), None)
            )
        has_parent = False
        while len(family) < size:
            sons = [f for f in family if f[0] == Relation.SON and f[2] >= 22]
            if head_age >= 50 and sons and rng.random() < 0.5:
                if not any(f[0] == Relation.DAUGHTER_IN_LAW for f in family):
                    family.append((Relation.DAUGHTER_IN_LAW, Sex.FEMALE, sons[0][2], None))
                else:
                    sex = rng.choice([Sex.MALE, Sex.FEMALE])
                    rel = Relation.GRANDSON if sex == Sex.MALE else Relation.GRANDDAUGHTER
                    family.append((rel, sex, max(0, sons[0][2] - rng.randint(20, 30)), surname))
            elif head_age <= 55 and not has_parent and rng.random() < 0.2:
                has_parent = True
                sex = rng.choice([Sex.MALE, Sex.FEMALE])
                rel = Relation.FATHER if sex == Sex.MALE else Relation.MOTHER
                family.append((rel, sex, min(95, head_age + rng.randint(20, 32)), surname))
            else:
                sex = rng.choice([Sex.MALE, Sex.FEMALE])
                rel = Relation.SON if sex == Sex.MALE else Relation.DAUGHTER
                age = max(0, head_age - rng.randint(20, min(40, max(20, head_age))))
                family.append((rel, sex, age, surname))
        sick = 0 if main_cause in (PovertyCause.ILLNESS, PovertyCause.DISABILITY) else None
        people = []
        for i, (relation, sex, age, family_name) in enumerate(family):
            people.append(
                self.person(v, relation, sex, age, family_name, main_cause if i == sick else "")
            )
        return people

    def person(
        self, v: _Village, relation: str, sex: str, age: int, surname: str | None, cause: str
    ) -> Person:
        rng = self.rng
        birth = datetime.date(CAMPAIGN_YEAR - age, 1, 1) + datetime.timedelta(
            days=rng.randrange(365)
        )
        while True:
            number = idnumber.make(v.code[:6], birth, rng.randrange(500), sex)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                break
        health, disability = Health.HEALTHY, Disability.NONE
        if cause == PovertyCause.ILLNESS:
            health = self.weighted({Health.SERIOUS: 6, Health.CHRONIC: 4})
        elif cause == PovertyCause.DISABILITY:
            health = Health.DISABLED
            disability = rng.choice([Disability.GRADE_1, Disability.GRADE_2, Disability.GRADE_3])
        elif age >= 60 and rng.random() < 0.35:
            health = Health.CHRONIC
        education, schooling = self.education(age)
        if health in (Health.SERIOUS, Health.DISABLED):
            labour = LabourAbility.LOST
        elif age < 16 or age > 70:
            labour = LabourAbility.NONE
        elif age > 60:
            labour = self.weighted({LabourAbility.ORDINARY: 4, LabourAbility.LOST: 6})
        else:
            labour = self.weighted({LabourAbility.ORDINARY: 75, LabourAbility.SKILLED: 25})
        migrant = labour in (LabourAbility.ORDINARY, LabourAbility.SKILLED) and (
            18 <= age <= 50 and rng.random() < 0.45
        )
        return Person(
            county_code=v.code[:6],
            name=self.name(sex, surname),
            id_number=number,
            relation=relation,
            sex=sex,
            birth_date=birth,
            health=health,
            disability=disability,
            education=education,
            schooling=schooling,
            labour_ability=labour,
            migrant_work=migrant,
            migrant_months=rng.randint(3, 12) if migrant else 0,
            medical_insurance=rng.random() < 0.97,
            pension_insurance=age >= 16 and rng.random() < 0.85,
            serious_illness_insurance=rng.random() < 0.95,
        )

    def education(self, age: int) -> tuple[str, str]:
        """Schooling follows age (2016); adults' education leans lower the older they are."""
        rng = self.rng
        if age < 3:
            return Education.PRESCHOOL, Schooling.NOT_IN_SCHOOL
        if age < 6:
            return Education.PRESCHOOL, Schooling.PRESCHOOL
        if age < 12:
            return Education.PRIMARY, Schooling.PRIMARY
        if age < 15:
            return Education.JUNIOR, Schooling.JUNIOR
        if age < 18:
            if rng.random() < 0.08:
                return Education.JUNIOR, Schooling.DROPPED_OUT
            return Education.JUNIOR, rng.choice([Schooling.SENIOR, Schooling.VOCATIONAL])
        if age < 22 and rng.random() < 0.3:
            return Education.SENIOR, Schooling.HIGHER
        if age >= 55:
            weights = {Education.ILLITERATE: 5, Education.PRIMARY: 4, Education.JUNIOR: 1}
        else:
            weights = {Education.PRIMARY: 3, Education.JUNIOR: 5, Education.SENIOR: 2}
        return self.weighted(weights), Schooling.NOT_IN_SCHOOL

    def income(self, h: Household) -> HouseholdIncome:
        """2016 income: lifted households above that year's line (3,146 yuan a head), others below."""
        rng = self.rng
        size = len(self.people_of[id(h)])
        per_head = (
            rng.randint(3300, 6500)
            if h.status == HouseholdStatus.LIFTED
            else rng.randint(1300, 3100)
        )
        total = per_head * size
        wage = int(total * rng.uniform(0.2, 0.6))
        transfer = int(total * rng.uniform(0.1, 0.3))
        prop = int(total * rng.uniform(0, 0.05))
        return HouseholdIncome(
            household=h,
            year=CAMPAIGN_YEAR,
            wage_income=Decimal(wage),
            production_income=Decimal(total - wage - transfer - prop),
            property_income=Decimal(prop),
            transfer_income=Decimal(transfer),
        )

    def village_years_stage(self) -> None:
        rows = []
        for v in self.villages:
            households = self.rng.randint(180, 900)
            population = int(households * self.rng.uniform(3.3, 4.3))
            poor_households = max(len(v.households), int(households * self.rng.uniform(0.12, 0.4)))
            poor_population = min(
                population, max(v.people, int(poor_households * self.rng.uniform(3.0, 4.0)))
            )
            rows.append(
                VillageYear(
                    village_id=v.region_id,
                    year=CAMPAIGN_YEAR,
                    is_poor=self.rng.random() < 0.92,
                    households=households,
                    population=population,
                    poor_households=poor_households,
                    poor_population=poor_population,
                    collective_income=Decimal(
                        0 if self.rng.random() < 0.35 else self.rng.randint(50, 800) * 100
                    ),
                    has_road=self.rng.random() < 0.6,
                    has_water=self.rng.random() < 0.7,
                    has_power=self.rng.random() < 0.95,
                    has_broadband=self.rng.random() < 0.4,
                    has_clinic=self.rng.random() < 0.75,
                    has_activity_room=v.code == BAOSHAN or self.rng.random() < 0.8,
                )
            )
        _bulk(VillageYear, rows)
        self.count("village_years", len(rows))

    def secretary_pairings_stage(self) -> None:
        rows = [
            Pairing(
                campaign=self.campaign,
                kind=PairingKind.SECRETARY_HOUSEHOLD,
                branch=b.branch,
                member=b.secretary,
                village_id=b.village.region_id,
                household=h,
                county_code=b.village.code[:6],
                origin=b.pairing.origin,
                start=self.day(b.pairing.start, datetime.date(2016, 5, 31)),
            )
            for b in self.branches
            for h in b.households
        ]
        _bulk(Pairing, rows)
        self.count("pairings", len(rows))

    def resident_teams_stage(self) -> None:
        """One work team per unit, in its first branch's village; the report's two by name."""
        first_secretaries = {DIGUTUN: "张锦华", LEBANG: "陆曙光"}
        teams, links = [], []
        for u in self.units:
            b = next((b for b in u.branches if b.village.code in first_secretaries), u.branches[0])
            staff = [m for m in b.members if not m.is_secretary and not m.is_leading_cadre]
            named = first_secretaries.get(b.village.code)
            leader = next((m for m in staff if m.name == named), staff[-1])
            others = [m for m in staff if m is not leader][:2]
            team = ResidentTeam(
                unit=u.unit,
                village_id=b.village.region_id,
                first_secretary=leader,
                start=self.day(datetime.date(2015, 8, 1), CAMPAIGN_START),
            )
            teams.append((team, others))
        _bulk(ResidentTeam, [t for t, _o in teams])
        through = ResidentTeam.members.through
        for team, others in teams:
            links.extend(through(residentteam_id=team.pk, member_id=m.pk) for m in others)
        _bulk(through, links)
        self.count("resident_teams", len(teams))

    # -- the ledger ----------------------------------------------------------------------------

    def add(
        self,
        kind: str,
        b: _Branch,
        participants: list[Member],
        summary: str,
        *,
        village: _Village | None = None,
        date: datetime.date | None = None,
        state: str = ReviewState.ACCEPTED,
        pairing_kind: str | None = None,
        households: Iterable[Household] = (),
        **values: Any,
    ) -> _Activity:
        village = village or b.village
        a = Activity(
            campaign=self.campaign,
            village_id=village.region_id,
            county_code=village.code[:6],
            unit=b.unit.unit,
            branch=b.branch,
            kind=kind,
            date=date or self.day(b.pairing.start),
            summary=summary,
            state=state,
            return_reason="请补充活动照片和参加人员签名。" if state == ReviewState.RETURNED else "",
            **values,
        )
        spec = _Activity(a, participants, village, pairing_kind, list(households))
        self.activities.append(spec)
        return spec

    def summary(self, kind: str, **values: Any) -> str:
        return self.rng.choice(SUMMARIES[kind]).format(**values)

    def featured_activities(self) -> dict[str, int]:
        """The report's stories as ledger entries; returns what they add to counted figures."""
        added = {"dev_ideas": 0, "tech_service_persons": 0}
        b = self.find_branch("省总工会", "第五党支部")
        if b is not None and b.village.code == BAOSHAN:
            self.add(
                ActivityKind.PARTY_BUILDING,
                b,
                [b.secretary],
                "指导宝山村党支部开展“红旗党支部”创建,帮助扩建120平方米村级标准化党员活动室,"
                "购置电脑、桌椅等设施,新建2个党建宣传栏",
                date=datetime.date(2016, 11, 8),
            )
        b = self.find_branch("省检察院", "申诉处党支部")
        if b is not None and self.target["dev_ideas"] > 0:
            self.add(
                ActivityKind.DEV_IDEA,
                b,
                [b.secretary],
                "为五星村申请微信公众号“skygzdf”,探索“互联网+”扶贫新模式",
                date=datetime.date(2016, 6, 15),
                quantity=1,
            )
            added["dev_ideas"] += 1
        b = self.find_branch("省农科院", "畜牧兽医研究所党支部")
        if b is not None:
            zhang = next((m for m in b.members if m.name == "张锦华"), b.secretary)
            q = min(30, self.target["tech_service_persons"] - 1)
            if q > 0:
                self.add(
                    ActivityKind.TECH_SERVICE,
                    b,
                    [zhang],
                    f"在地古屯村举办中华蜂养殖技术培训,培训贫困户{q}人次",
                    date=datetime.date(2016, 6, 20),
                    quantity=q,
                )
                added["tech_service_persons"] += q
        b = self.find_branch("省档案局")
        if b is not None and b.village.code == LEBANG:
            lu = next((m for m in b.members if m.name == "陆曙光"), b.secretary)
            self.lebang_survey = self.add(
                ActivityKind.SURVEY,
                b,
                [lu],
                "带领工作组调查坪江二组山林权属纠纷,召集当事各方协商调解",
                date=datetime.date(2016, 7, 12),
            )
        return added

    def stays_stage(self) -> None:
        """Exactly the target number of leading cadres stay in villages (some more than once)."""
        cadres = [m for b in self.branches for m in b.members if m.is_leading_cadre]
        stayed = self.rng.sample(cadres, self.target["cadres_stayed"])
        by_branch: dict[int, list[Member]] = {}
        for m in stayed:
            by_branch.setdefault(id(self.branch_of_member[id(m)]), []).append(m)
        for b in self.branches:
            group = by_branch.get(id(b), [])
            while group:
                size = self.rng.choice([1, 1, 2])
                chunk, group = group[:size], group[size:]
                for _ in range(self.rng.choice([1, 1, 2])):
                    village = b.village
                    if chunk[0].cadre_rank in (CadreRank.BUREAU_CHIEF, CadreRank.BUREAU_DEPUTY):
                        village = self.rng.choice(b.unit.branches).village
                    days = self.rng.randint(2, 7)
                    company = [
                        m for m in b.members if not m.is_leading_cadre and self.rng.random() < 0.1
                    ][:1]
                    self.add(
                        ActivityKind.STAY,
                        b,
                        chunk + company,
                        self.summary(ActivityKind.STAY, days=days),
                        village=village,
                        date=self.day(b.pairing.start, datetime.date(2016, 12, 20)),
                        days=days,
                        pairing_kind=PairingKind.CADRE_STAY,
                    )

    def expert_visits_stage(self) -> None:
        """Professionals' person-visits add up to the target.

        Each expert serves a beat of one to three villages, mostly their own unit's, so the
        expert–village pairings stay few and each gathers several visits.
        """
        pools = [(u, u.professionals) for u in self.units if u.professionals]
        weights = [len(pool) for _u, pool in pools]
        beats: dict[int, list[_Village]] = {}
        remaining = self.target["expert_visits"]
        while remaining > 0:
            u, pool = self.rng.choices(pools, weights=weights)[0]
            k = min(self.rng.choice([1, 1, 2, 2, 3]), remaining, len(pool))
            people = self.rng.sample(pool, k)
            lead = people[0]
            if id(lead) not in beats:
                beats[id(lead)] = [
                    self.rng.choice(u.branches).village
                    if self.rng.random() < 0.75
                    else self.rng.choice(self.villages)
                    for _ in range(self.rng.randint(1, 3))
                ]
            work = self.rng.choice(SPECIALTY_WORK[lead.specialty])
            self.add(
                ActivityKind.EXPERT_VISIT,
                self.branch_of_member[id(lead)],
                people,
                "进村帮难解困:" + work.format(crop=self.rng.choice(CROPS)),
                village=self.rng.choice(beats[id(lead)]),
                pairing_kind=PairingKind.EXPERT_VISIT,
            )
            remaining -= k

    def service_visits_stage(self) -> None:
        remaining = self.target["member_visits"]
        while remaining > 0:
            b = self.rng.choice(self.branches)
            pool = b.party_members
            k = min(self.rng.randint(1, 6), remaining, len(pool))
            homes = self.rng.sample(b.village.households, min(len(b.village.households), 2))
            self.add(
                ActivityKind.SERVICE_VISIT,
                b,
                self.rng.sample(pool, k),
                self.summary(ActivityKind.SERVICE_VISIT),
                pairing_kind=PairingKind.MEMBER_SERVICE,
                households=homes,
            )
            remaining -= k

    def quantity_stage(self, kind: str, key: str, step: Callable[[], int], already: int) -> None:
        """Policy supports, technical services and ideas: quantities summing to the target."""
        experts = [m for u in self.units for m in u.professionals]
        for q in self.split(self.target[key] - already, step):
            b = self.rng.choice(self.branches)
            who = b.secretary
            if kind == ActivityKind.TECH_SERVICE and self.rng.random() < 0.6:
                who = self.rng.choice(experts)  # technical services are mostly experts' work
                b = self.branch_of_member[id(who)]
            self.add(kind, b, [who], self.summary(kind, q=q), quantity=q)

    def funds_stage(self) -> None:
        """Funds brought in: a few hundred entries, in whole hundreds, summing to the target."""
        total = int(self.target["funds_yuan"])
        n = min(scaled(520, self.scale), total)
        weights = [self.rng.lognormvariate(0, 1.0) for _ in range(n)]
        unit = 100 if total >= 100 * n else 1
        hundreds = total // unit
        amounts = [max(1, int(hundreds * w / sum(weights))) for w in weights]
        largest = max(range(n), key=lambda i: amounts[i])
        amounts[largest] += hundreds - sum(amounts)
        amounts = [a * unit for a in amounts]
        amounts[largest] += total - sum(amounts)
        assert sum(amounts) == total and min(amounts) > 0
        for amount in amounts:
            b = self.rng.choice(self.branches)
            source = self.weighted(
                {
                    FundSource.FISCAL: 40,
                    FundSource.UNIT: 25,
                    FundSource.SOCIAL: 12,
                    FundSource.ENTERPRISE: 15,
                    FundSource.CREDIT: 6,
                    FundSource.OTHER: 2,
                }
            )
            summary = self.summary(
                ActivityKind.FUNDS,
                source=FundSource(source).label,
                wan=f"{amount / 10000:.2f}".rstrip("0").rstrip("."),
                purpose=self.rng.choice(FUND_PURPOSES),
            )
            self.add(
                ActivityKind.FUNDS,
                b,
                [b.secretary],
                summary,
                amount=Decimal(amount),
                fund_source=source,
            )

    def uncounted_stage(self) -> None:
        """Surveys and party building (in no figure), and entries still under review."""
        for kind, n in ((ActivityKind.SURVEY, 800), (ActivityKind.PARTY_BUILDING, 400)):
            for _ in range(scaled(n, self.scale)):
                b = self.rng.choice(self.branches)
                people = [b.secretary, *self.rng.sample(b.members[1:], 1)]
                homes = self.rng.sample(b.village.households, min(len(b.village.households), 3))
                self.add(kind, b, people, self.summary(kind), households=homes)
        # Submitted and returned entries: the figures count accepted ones only.
        kinds = [
            ActivityKind.STAY,
            ActivityKind.EXPERT_VISIT,
            ActivityKind.SERVICE_VISIT,
            ActivityKind.POLICY_SUPPORT,
            ActivityKind.TECH_SERVICE,
            ActivityKind.DEV_IDEA,
            ActivityKind.FUNDS,
        ]
        experts = [m for u in self.units for m in u.professionals]
        for i in range(max(3, scaled(60, self.scale))):
            kind = kinds[i % len(kinds)]
            b = self.rng.choice(self.branches)
            who, values, summary = b.secretary, {}, "进村走访,待补充活动材料"
            if kind == ActivityKind.STAY:
                who = next((m for m in b.members if m.is_leading_cadre), b.secretary)
                values["days"] = self.rng.randint(1, 5)
            elif kind == ActivityKind.EXPERT_VISIT:
                who = self.rng.choice(experts)
                b = self.branch_of_member[id(who)]
            elif kind == ActivityKind.FUNDS:
                values["amount"] = Decimal(self.rng.randint(10, 500) * 1000)
                values["fund_source"] = FundSource.UNIT
            elif kind != ActivityKind.SERVICE_VISIT:
                values["quantity"] = self.rng.randint(1, 20)
            self.add(
                kind,
                b,
                [who],
                summary,
                date=self.day(datetime.date(2016, 12, 1)),
                state=ReviewState.SUBMITTED if i % 3 else ReviewState.RETURNED,
                **values,
            )
        # The demo unit's committee has a few entries waiting in its review queue.
        demo = self.find_branch("省总工会", "第五党支部")
        if demo is not None:
            for i, kind in enumerate([ActivityKind.SERVICE_VISIT, ActivityKind.SURVEY] * 2):
                who = demo.members[(i + 1) % len(demo.members)]
                self.add(
                    kind,
                    demo,
                    [who],
                    self.summary(kind),
                    date=datetime.date(2016, 11, 20 + i),
                    state=ReviewState.SUBMITTED,
                )

    def activities_stage(self) -> None:
        added = self.featured_activities()
        self.stays_stage()
        self.expert_visits_stage()
        self.service_visits_stage()
        self.quantity_stage(
            ActivityKind.POLICY_SUPPORT, "policy_supports", lambda: self.rng.randint(1, 6), 0
        )
        self.quantity_stage(
            ActivityKind.TECH_SERVICE,
            "tech_service_persons",
            lambda: self.rng.randint(5, 40),
            added["tech_service_persons"],
        )
        self.quantity_stage(
            ActivityKind.DEV_IDEA, "dev_ideas", lambda: self.rng.randint(1, 4), added["dev_ideas"]
        )
        self.funds_stage()
        self.uncounted_stage()
        self.save_activities()

    def save_activities(self) -> None:
        """Person pairings first (an activity points at one), then activities and their links."""
        first_visit: dict[tuple[str, int, int], datetime.date] = {}
        for spec in self.activities:
            if spec.pairing_kind and spec.activity.state == ReviewState.ACCEPTED:
                for m in spec.participants:
                    key = (spec.pairing_kind, id(m), spec.village.region_id)
                    if self.pairing_allows(spec.pairing_kind, m):
                        first_visit[key] = min(
                            first_visit.get(key, spec.activity.date), spec.activity.date
                        )
        members = {id(m): m for b in self.branches for m in b.members}
        pairings: dict[tuple[str, int, int], Pairing] = {}
        for (kind, member_id, village_id), start in first_visit.items():
            m = members[member_id]
            b = self.branch_of_member[member_id]
            village_code = self.code_of_village[village_id]
            pairings[(kind, member_id, village_id)] = Pairing(
                campaign=self.campaign,
                kind=kind,
                branch=b.branch,
                member=m,
                village_id=village_id,
                county_code=village_code[:6],
                origin=PairingOrigin.CLAIMED,
                start=start,
            )
        _bulk(Pairing, list(pairings.values()))
        self.person_pairings = pairings
        self.count("pairings", len(pairings))
        for spec in self.activities:
            a, village_id = spec.activity, spec.village.region_id
            lead = spec.participants[0]
            key = (spec.pairing_kind, id(lead), village_id)
            if key in pairings:
                a.pairing = pairings[key]
            else:
                own = self.branch_of_member[id(lead)]
                a.pairing = own.pairing if own.village.region_id == village_id else None
        _bulk(Activity, [s.activity for s in self.activities])
        participants = [
            ActivityParticipant(activity=s.activity, member=m)
            for s in self.activities
            for m in s.participants
        ]
        _bulk(ActivityParticipant, participants)
        through = Activity.households.through
        links = [
            through(activity_id=s.activity.pk, household_id=h.pk)
            for s in self.activities
            for h in s.households
        ]
        _bulk(through, links)
        self.count("activities", len(self.activities))
        self.count("activity_participants", len(participants))

    def pairing_allows(self, kind: str, m: Member) -> bool:
        flag = {
            PairingKind.CADRE_STAY: m.is_leading_cadre,
            PairingKind.EXPERT_VISIT: m.is_professional,
            PairingKind.MEMBER_SERVICE: m.is_party_member,
        }
        return flag[kind]

    def problems_stage(self) -> None:
        """Solved problems to the target, plus open ones; most tied to the visit that solved them."""
        solving = [
            s
            for s in self.activities
            if s.activity.state == ReviewState.ACCEPTED
            and s.activity.kind
            in (ActivityKind.STAY, ActivityKind.EXPERT_VISIT, ActivityKind.SERVICE_VISIT)
        ]
        rows: list[tuple[Problem, _Activity | None]] = []
        n_solved = self.target["problems_solved"]
        lebang = self.lebang_survey
        if lebang is not None:
            lu = lebang.participants[0]
            p = Problem(
                campaign=self.campaign,
                village_id=lebang.village.region_id,
                county_code=lebang.village.code[:6],
                unit=lebang.activity.unit,
                branch=lebang.activity.branch,
                category=ProblemCategory.DISPUTE,
                title="坪江二组长达43年的山林权属纠纷",
                description="第一书记带领工作组调查取证、多方协商,化解纠纷,形成“新巴经验”。",
                owner=lu,
                raised_on=datetime.date(2016, 5, 20),
                deadline=datetime.date(2016, 9, 30),
                state=ProblemState.VERIFIED,
                solved_on=datetime.date(2016, 8, 26),
            )
            rows.append((p, lebang))
            n_solved -= 1
        n_open = scaled(self.target["problems_solved"], 0.15)
        for i in range(n_solved + n_open):
            solved = i < n_solved
            spec = self.rng.choice(solving) if self.rng.random() < 0.8 else None
            if spec is not None:
                a = spec.activity
                village, unit, branch, owner = spec.village, a.unit, a.branch, spec.participants[0]
                when = a.date
            else:
                b = self.rng.choice(self.branches)
                village, unit, branch, owner = b.village, b.unit.unit, b.branch, b.secretary
                when = self.day(b.pairing.start)
            raised = max(CAMPAIGN_START, when - datetime.timedelta(days=self.rng.randint(0, 40)))
            category = self.weighted(
                {
                    ProblemCategory.INFRASTRUCTURE: 20,
                    ProblemCategory.INDUSTRY: 22,
                    ProblemCategory.EDUCATION: 8,
                    ProblemCategory.HEALTH: 10,
                    ProblemCategory.HOUSING: 9,
                    ProblemCategory.WATER: 9,
                    ProblemCategory.EMPLOYMENT: 9,
                    ProblemCategory.DISPUTE: 4,
                    ProblemCategory.PARTY_BUILDING: 6,
                    ProblemCategory.OTHER: 3,
                }
            )
            title = self.rng.choice(PROBLEM_TITLES[category]).format(
                g=self.group(), crop=self.rng.choice(CROPS)
            )
            household = None
            if village.households and self.rng.random() < 0.4:
                household = self.rng.choice(village.households)
            if solved:
                state = self.weighted({ProblemState.SOLVED: 6, ProblemState.VERIFIED: 4})
                solved_on = min(
                    CAMPAIGN_END, when + datetime.timedelta(days=self.rng.randint(0, 20))
                )
            else:
                state = self.weighted({ProblemState.OPEN: 4, ProblemState.IN_PROGRESS: 6})
                solved_on = None
            p = Problem(
                campaign=self.campaign,
                village_id=village.region_id,
                county_code=village.code[:6],
                unit=unit,
                branch=branch,
                household=household,
                category=category,
                title=title,
                owner=owner,
                raised_on=raised,
                deadline=raised + datetime.timedelta(days=self.rng.choice([30, 60, 90])),
                state=state,
                solved_on=solved_on,
            )
            rows.append((p, spec))
        _bulk(Problem, [p for p, _s in rows])
        through = Problem.activities.through
        _bulk(
            through,
            [through(problem_id=p.pk, activity_id=s.activity.pk) for p, s in rows if s is not None],
        )
        self.count("problems", len(rows))

    def projects_stage(self) -> None:
        """Projects planned, introduced or generated, each with one or two funding sources."""
        projects: list[Project] = []
        beneficiaries: list[tuple[Project, Household]] = []
        b = self.find_branch("省总工会", "第五党支部")
        if b is not None and b.village.code == BAOSHAN:
            p = Project(
                campaign=self.campaign,
                village_id=b.village.region_id,
                county_code=b.village.code[:6],
                unit=b.unit.unit,
                branch=b.branch,
                name="宝山村村级标准化党员活动室扩建",
                date=datetime.date(2016, 5, 10),
                origin=ProjectOrigin.PLANNED,
                sector=ProjectSector.INFRASTRUCTURE,
                state=ProjectState.COMPLETED,
                start=datetime.date(2016, 6, 1),
                description="扩建120平方米村级标准化党员活动室,购置电脑、桌椅等设施,"
                "新建2个党建宣传栏;11月投入使用。",
            )
            projects.append(p)
        sectors = {
            ProjectSector.AGRICULTURE: 30,
            ProjectSector.LIVESTOCK: 18,
            ProjectSector.INFRASTRUCTURE: 22,
            ProjectSector.TOURISM: 6,
            ProjectSector.PROCESSING: 6,
            ProjectSector.ECOMMERCE: 5,
            ProjectSector.EDUCATION: 4,
            ProjectSector.HEALTH: 4,
            ProjectSector.OTHER: 5,
        }
        while len(projects) < self.target["projects"]:
            b = self.rng.choice(self.branches)
            sector = self.weighted(sectors)
            date = self.day(b.pairing.start, datetime.date(2016, 12, 15))
            state = self.weighted(
                {
                    ProjectState.PLANNED: 3,
                    ProjectState.UNDER_WAY: 4,
                    ProjectState.COMPLETED: 3,
                    ProjectState.SUSPENDED: 0.3,
                }
            )
            name = self.rng.choice(PROJECT_NAMES[sector]).format(
                v=b.village.name, crop=self.rng.choice(CROPS)
            )
            p = Project(
                campaign=self.campaign,
                village_id=b.village.region_id,
                county_code=b.village.code[:6],
                unit=b.unit.unit,
                branch=b.branch,
                name=name,
                date=date,
                origin=self.weighted(
                    {
                        ProjectOrigin.PLANNED: 5,
                        ProjectOrigin.INTRODUCED: 3,
                        ProjectOrigin.GENERATED: 2,
                    }
                ),
                sector=sector,
                state=state,
                start=self.day(date, CAMPAIGN_END) if state != ProjectState.PLANNED else None,
                description=f"{b.unit.short}{b.branch.name}帮助{b.village.name}"
                f"{'谋划' if state == ProjectState.PLANNED else '实施'}的{ProjectSector(sector).label}项目。",
            )
            projects.append(p)
            homes = b.village.households
            for h in self.rng.sample(homes, min(len(homes), self.rng.randint(0, 5))):
                beneficiaries.append((p, h))
        _bulk(Project, projects)
        fundings = []
        for p in projects:
            sources = self.rng.sample(
                [
                    FundSource.FISCAL,
                    FundSource.UNIT,
                    FundSource.SOCIAL,
                    FundSource.ENTERPRISE,
                    FundSource.CREDIT,
                ],
                self.rng.choice([1, 1, 2]),
            )
            for source in sources:
                amount = self.rng.randint(5, 300) * 10000
                if p.name.endswith("党员活动室扩建"):
                    amount = 180000
                fundings.append(ProjectFunding(project=p, source=source, amount=Decimal(amount)))
        _bulk(ProjectFunding, fundings)
        through = Project.beneficiaries.through
        _bulk(through, [through(project_id=p.pk, household_id=h.pk) for p, h in beneficiaries])
        self.count("projects", len(projects))
        self.count("project_fundings", len(fundings))

    def targets_stage(self) -> None:
        """The allocation plan (基本任务分配方案), set to what each unit took on."""
        per_unit: dict[tuple[int, str], int] = {}

        def bump(unit: Unit, kind: str) -> None:
            per_unit[(id(unit), kind)] = per_unit.get((id(unit), kind), 0) + 1

        for b in self.branches:
            bump(b.unit.unit, PairingKind.BRANCH_VILLAGE)
            for _h in b.households:
                bump(b.unit.unit, PairingKind.SECRETARY_HOUSEHOLD)
        for kind, member_id, _v in self.person_pairings:
            bump(self.branch_of_member[member_id].unit.unit, kind)
        rows = [
            AllocationTarget(campaign=self.campaign, unit=u.unit, kind=kind, target=n)
            for u in self.units
            for kind in PairingKind.values
            if (n := per_unit.get((id(u.unit), kind), 0))
        ]
        _bulk(AllocationTarget, rows)
        self.count("allocation_targets", len(rows))

    def users_stage(self) -> list[DemoUser]:
        """One login per role, scoped to the report's 省总工会 第五党支部 and 宝山村."""
        b = self.find_branch("省总工会", "第五党支部") or self.branches[0]
        member = next((m for m in b.members if not m.is_secretary), b.secretary)
        regions = dict(Region.objects.filter(code__in=[BAOSHAN, BIJIE]).values_list("code", "pk"))
        specs = [
            ("office", Role.OFFICE, {}, "全省"),
            ("unit", Role.UNIT_ADMIN, {"unit": b.unit.unit}, b.unit.unit.name),
            (
                "branch",
                Role.BRANCH_SECRETARY,
                {"branch": b.branch, "member": b.secretary},
                f"{b.unit.short} {b.branch.name}",
            ),
            ("village", Role.VILLAGE_TEAM, {"region_id": regions[BAOSHAN]}, "宝山村"),
            ("member", Role.MEMBER, {"member": member}, f"{member.name} ({b.branch.name})"),
            ("viewer", Role.VIEWER, {"region_id": regions[BIJIE]}, "毕节市"),
        ]
        made = []
        for username, role, scope, label in specs:
            user = User.objects.filter(username=username).first() or User(username=username)
            user.role = role
            user.unit = user.branch = user.member = user.region = None
            for attr, value in scope.items():
                setattr(user, attr, value)
            user.password = make_password(DEMO_PASSWORD)  # each its own salt, as any login
            user.is_active = True
            user.is_staff = role == Role.OFFICE  # the office manages accounts in the admin
            user.first_name = {"office": "工委管理员"}.get(username, "")
            user.save()
            made.append(DemoUser(username, Role(role).label, label))
        return made


def build(seed: int = 1, scale: float = 1.0, stdout: TextIO | None = None) -> Scenario:
    """Build the 2016 Five Thousand Action scenario in one transaction and return what it made.

    Loads the regions first (idempotent). Refuses to run twice: the campaign name is unique.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    started = time.perf_counter()
    b = _Builder(seed, scale, stdout)
    with transaction.atomic():
        created = load_regions()
        b.log(f"regions ({created} new)")
        b.campaign_stage()
        b.units_stage()
        b.branches_stage()
        b.members_stage()
        b.log("units, branches, members")
        b.villages_stage()
        b.branch_pairings_stage()
        b.log("villages and branch pairings")
        b.households_stage()
        b.village_years_stage()
        b.secretary_pairings_stage()
        b.resident_teams_stage()
        b.log("households, people, secretary pairings")
        b.activities_stage()
        b.log("activities")
        b.problems_stage()
        b.projects_stage()
        b.targets_stage()
        b.log("problems, projects, targets")
        users = b.users_stage()
        b.log("users")
        build_coop(b)  # the seed's bee-keeping cooperative (资金折股), after the registry
        from bangfu.assessment.demo import build_assessment  # the 2016 scheme, frozen results

        build_assessment(b.campaign, seed, User.objects.filter(username="office").first())
    if connection.vendor == "postgresql":
        # Fresh tables have no planner statistics; without them the first pages plan badly.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return Scenario(
        seed=seed,
        scale=scale,
        campaign=b.campaign,
        figures=dict(b.target),
        users=users,
        counts=b.counts,
        seconds=time.perf_counter() - started,
    )
