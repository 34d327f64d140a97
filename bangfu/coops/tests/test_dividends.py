"""Splitting a profit by shares: exact to the fen, fair to within a fen, deterministic."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bangfu.coops.dividends import split_by_shares

profits = st.integers(min_value=0, max_value=10**11).map(lambda fen: Decimal(fen) / 100)
registers = st.dictionaries(
    st.integers(min_value=1, max_value=10**6),
    st.integers(min_value=0, max_value=10**7),
    min_size=1,
    max_size=60,
).filter(lambda d: sum(d.values()) > 0)


@settings(max_examples=400, deadline=None)
@given(profit=profits, shares=registers)
def test_parts_add_up_exactly_and_each_is_within_a_fen_of_its_exact_share(
    profit: Decimal, shares: dict[int, int]
) -> None:
    parts = split_by_shares(profit, shares)

    assert set(parts) == set(shares)
    assert sum(parts.values()) == profit
    total = sum(shares.values())
    for key, part in parts.items():
        assert part == part.quantize(Decimal("0.01"))
        exact = Fraction(profit) * shares[key] / total
        assert abs(Fraction(part) - exact) < Fraction(1, 100)
        if shares[key] == 0:
            assert part == 0


@settings(max_examples=200, deadline=None)
@given(profit=profits, shares=registers)
def test_more_shares_never_get_less(profit: Decimal, shares: dict[int, int]) -> None:
    parts = split_by_shares(profit, shares)
    ordered = sorted(shares, key=lambda k: shares[k])
    for smaller, larger in itertools.pairwise(ordered):
        assert parts[smaller] <= parts[larger]


@settings(max_examples=200, deadline=None)
@given(profit=profits, shares=registers)
def test_the_split_does_not_depend_on_the_order_holders_are_listed(
    profit: Decimal, shares: dict[int, int]
) -> None:
    reversed_order = dict(reversed(list(shares.items())))
    assert split_by_shares(profit, shares) == split_by_shares(profit, reversed_order)


def test_three_equal_holders_share_a_yuan_with_the_odd_fen_to_the_first_key() -> None:
    assert split_by_shares(Decimal("1.00"), {3: 1, 1: 1, 2: 1}) == {
        1: Decimal("0.34"),
        2: Decimal("0.33"),
        3: Decimal("0.33"),
    }


def test_leftover_fen_go_to_the_largest_remainders() -> None:
    # 1.00 yuan over 1, 2 and 7 shares... exact 0.1, 0.2, 0.7: nothing left over.
    assert split_by_shares(Decimal("1.00"), {"a": 1, "b": 2, "c": 7}) == {
        "a": Decimal("0.10"),
        "b": Decimal("0.20"),
        "c": Decimal("0.70"),
    }
    # 0.10 yuan over 3, 3 and 4 shares... exact 3.0, 3.0, 4.0 fen; 0.11 yuan: 3.3, 3.3, 4.4 fen,
    # the one fen left goes to the largest remainder (0.4).
    assert split_by_shares(Decimal("0.11"), {"a": 3, "b": 3, "c": 4}) == {
        "a": Decimal("0.03"),
        "b": Decimal("0.03"),
        "c": Decimal("0.05"),
    }


def test_equal_remainders_go_to_the_larger_holding() -> None:
    # 10.00 yuan over 1, 2 and 13 shares: exact 62.5, 125 and 812.5 fen; one fen left, the
    # remainders tie at 0.5, the larger holding gets it.
    parts = split_by_shares(Decimal("10.00"), {"a": 1, "b": 2, "c": 13})
    assert parts == {"a": Decimal("0.62"), "b": Decimal("1.25"), "c": Decimal("8.13")}


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        split_by_shares(Decimal("1.001"), {1: 1})
    with pytest.raises(ValueError):
        split_by_shares(Decimal("-1"), {1: 1})
    with pytest.raises(ValueError):
        split_by_shares(Decimal("1"), {1: 0})
