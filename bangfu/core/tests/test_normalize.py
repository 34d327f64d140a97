"""normalize.text: its fast path (a value already tidy is returned as it is) never differs
from the full treatment, whatever whitespace or compatibility characters a cell holds."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bangfu.core.normalize import text, unquote

SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2028\u2029\u3000"


def tidy(value):
    return " ".join(unicodedata.normalize("NFKC", value).split())


@given(st.text(alphabet=st.sampled_from(SPACES) | st.characters(), max_size=12))
def test_text_is_always_the_full_treatment(value):
    """The fast path for tidy text agrees with the full treatment (after the protective quote
    an export puts before formula-like text is taken off)."""
    assert text(value) == tidy(unquote(value))


def test_a_carriage_return_or_line_separator_inside_a_cell_becomes_one_space():
    assert text("谭\r世远") == "谭 世远"
    assert text("宝山\u2028村") == "宝山 村"
    assert text("Ａ1\x0b") == "A1"
    assert text("已经 整齐") == "已经 整齐"
