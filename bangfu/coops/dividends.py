"""Splitting a sum of money by shares to the fen, so that the parts add up exactly.

Largest-remainder (Hamilton) method: everyone gets the floor of their exact part in fen; the
fen left over go one each to the largest remainders. Ties go to the larger holding, then to
the smaller key, so the same inputs always give the same split.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import Decimal
from fractions import Fraction

FEN = Decimal("0.01")


def split_by_shares(total: Decimal, shares: Mapping[Hashable, int]) -> dict[Hashable, Decimal]:
    """`total` yuan split in proportion to `shares`, in whole fen, summing exactly to `total`.

    Each part is within one fen of the exact proportional amount. Keys must be sortable
    among themselves (they break the last ties). Holders with no shares get nothing.
    """
    if total != total.quantize(FEN):
        raise ValueError("total must be in whole fen")
    if total < 0:
        raise ValueError("total must not be negative")
    if any(s < 0 for s in shares.values()):
        raise ValueError("shares must not be negative")
    all_shares = sum(shares.values())
    if all_shares == 0:
        if total:
            raise ValueError("no shares to split among")
        return {key: Decimal("0.00") for key in shares}
    fen = int(total * 100)
    floors: dict[Hashable, int] = {}
    remainders: dict[Hashable, Fraction] = {}
    for key, n in shares.items():
        exact = Fraction(fen * n, all_shares)
        floors[key] = exact.numerator // exact.denominator
        remainders[key] = exact - floors[key]
    left = fen - sum(floors.values())
    order = sorted(shares, key=lambda k: (-remainders[k], -shares[k], k))
    for key in order[:left]:
        floors[key] += 1
    return {key: (Decimal(v) / 100).quantize(FEN) for key, v in floors.items()}
