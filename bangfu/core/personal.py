"""Masking of personal data (ID numbers, phones, bank accounts) for users without the right."""


def mask(value: str) -> str:
    """Keep the first and last few characters: 520102********1234, 138****5678."""
    n = len(value)
    if n <= 4:
        return "*" * n
    keep_head = 6 if n >= 15 else 3
    keep_tail = 4
    if keep_head + keep_tail >= n:
        keep_head, keep_tail = 1, 1
    return value[:keep_head] + "*" * (n - keep_head - keep_tail) + value[-keep_tail:]


def can_see_personal_data(user: object) -> bool:
    return bool(getattr(user, "has_perm", None)) and user.has_perm("registry.view_personal_data")
