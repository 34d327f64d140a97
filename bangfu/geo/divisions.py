"""Guizhou's statistical divisions down to village, shipped as a data file (see data/README.md)."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISIONS_FILE = DATA_DIR / "guizhou_divisions.csv.gz"
COUNTY_CENTRES_FILE = DATA_DIR / "guizhou_county_centres.csv"


class Division(NamedTuple):
    code: str
    parent_code: str
    level: str
    name: str


def divisions() -> Iterator[Division]:
    """Every division row, parents before children."""
    with gzip.open(DIVISIONS_FILE, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            yield Division(row["code"], row["parent_code"], row["level"], row["name"])


def county_codes() -> list[str]:
    return [d.code[:6] for d in divisions() if d.level == "county"]


def county_centres() -> dict[str, tuple[float, float]]:
    """County code (12 digits) → (longitude, latitude) of its centre, where known."""
    if not COUNTY_CENTRES_FILE.exists():
        return {}
    with COUNTY_CENTRES_FILE.open(encoding="utf-8", newline="") as f:
        return {r["code"]: (float(r["lng"]), float(r["lat"])) for r in csv.DictReader(f)}
