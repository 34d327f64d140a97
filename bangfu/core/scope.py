"""What part of the campaign a user may reach. Data, not code paths: see DESIGN.md."""

from __future__ import annotations

from dataclasses import dataclass

# Length of the statistical division code prefix that identifies a region at each level.
CODE_PREFIX_LENGTH = {"province": 2, "prefecture": 4, "county": 6, "township": 9, "village": 12}


@dataclass(frozen=True)
class Scope:
    """A user's reach: everything, a region (by code prefix), a unit, or a branch of a unit.

    `nothing` is the scope of a user whose role has no scope configured: they see no rows.
    """

    everything: bool = False
    region_prefix: str | None = None
    unit_id: int | None = None
    branch_id: int | None = None
    nothing: bool = False

    @classmethod
    def all(cls) -> Scope:
        return cls(everything=True)

    @classmethod
    def none(cls) -> Scope:
        return cls(nothing=True)

    @classmethod
    def region(cls, code: str, level: str) -> Scope:
        return cls(region_prefix=code[: CODE_PREFIX_LENGTH[level]])

    @classmethod
    def unit(cls, unit_id: int) -> Scope:
        return cls(unit_id=unit_id)

    @classmethod
    def branch(cls, branch_id: int, unit_id: int) -> Scope:
        return cls(branch_id=branch_id, unit_id=unit_id)
