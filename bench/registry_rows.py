"""A registry file of N person rows (about 3.3 per household) in the import layout, as .csv
and .xlsx, with valid ID numbers and real Guizhou villages. Reproducible for a seed."""

from __future__ import annotations

import csv
import datetime
import random
from pathlib import Path

from bangfu.geo.divisions import divisions
from bangfu.registry import idnumber

HEADERS = [
    "户编号",
    "所在村代码",
    "所在村",
    "贫困户属性",
    "识别年度",
    "主要致贫原因",
    "其他致贫原因",
    "住房安全",
    "住房面积(平方米)",
    "耕地面积(亩)",
    "不愁吃",
    "不愁穿",
    "义务教育有保障",
    "基本医疗有保障",
    "住房安全有保障",
    "饮水安全有保障",
    "脱贫状态",
    "姓名",
    "身份证号码",
    "与户主关系",
    "健康状况",
    "文化程度",
    "劳动能力",
    "外出务工",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "明华建国志强秀英桂兰玉梅德芳文军海燕春红光辉金凤永福世远龙铨小云兴旺家富学成"
CAUSES = ["因病", "因残", "因学", "缺技术", "缺劳力", "缺资金", "交通条件落后", "自身发展动力不足"]


def person_rows(n: int, seed: int = 1):
    rng = random.Random(seed)
    villages = [(d.code, d.name) for d in divisions() if d.level == "village"]
    made = 0
    household = 0
    used: dict[tuple, int] = {}
    while made < n:
        household += 1
        code, name = villages[household % len(villages)]
        number = f"{code}{household:06d}"
        size = min(rng.choice((1, 2, 3, 3, 4, 4, 5, 6)), n - made)
        head_year = rng.randint(1940, 1985)
        shared = [
            number,
            code,
            name,
            rng.choice(["一般贫困户", "低保贫困户", "特困供养贫困户"]),
            rng.choice([2014, 2015, 2016]),
            rng.choice(CAUSES),
            "缺资金、缺技术",
            rng.choice(["安全住房", "C级危房"]),
            rng.randint(40, 160),
            round(rng.uniform(0.5, 5), 2),
            "是",
            "是",
            "是",
            rng.choice(["是", "否"]),
            "是",
            "是",
            "未脱贫",
        ]
        surname = rng.choice(SURNAMES)
        for i in range(size):
            relation = "户主" if i == 0 else rng.choice(["配偶", "之子", "之女", "之孙子"])
            born = datetime.date(
                head_year + (0 if i == 0 else rng.randint(0, 30)),
                rng.randint(1, 12),
                rng.randint(1, 28),
            )
            sex = "M" if rng.random() < 0.5 else "F"
            while used.get((code[:6], born, sex), 0) >= 500:  # sequence numbers run out
                born += datetime.timedelta(days=1)
            seq = used.get((code[:6], born, sex), 0)
            used[(code[:6], born, sex)] = seq + 1
            ident = idnumber.make(code[:6], born, seq, sex)
            yield [
                *shared,
                surname + rng.choice(GIVEN) + rng.choice(GIVEN),
                ident,
                relation,
                "健康",
                "初中",
                "普通劳动力",
                "否",
            ]
            made += 1


def write_csv(path: Path, n: int, seed: int = 1) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        writer.writerows(person_rows(n, seed))
    return path


def write_xlsx(path: Path, n: int, seed: int = 1) -> Path:
    from bangfu.core.spreadsheets import SheetSpec, write_xlsx

    write_xlsx(str(path), [SheetSpec("registry", HEADERS, person_rows(n, seed), (0, 1, 18))])
    return path
