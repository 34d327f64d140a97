"""An import reads its next batch in a thread while it writes the one before
(imports.read_ahead): what the run sees must be exactly what reading in turn gives."""

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from bangfu.core.imports import MAX_REPORTED_PROBLEMS, ImportResult, read_ahead
from bangfu.core.spreadsheets import SpreadsheetError


def batches(into, count=5):
    for n in range(count):
        into.rows += 2
        into.add_problem(n, "列", n, _("必填,不能为空。"))
        yield n
    into.add_problem(99, "列", "", "end")


def test_batches_rows_and_problems_arrive_in_file_order():
    result = ImportResult()
    seen = [(b, result.rows, [p.row for p in result.problems]) for b in read_ahead(batches, result)]
    assert seen == [(n, 2 * (n + 1), list(range(n + 1))) for n in range(5)]
    assert [p.row for p in result.problems] == [0, 1, 2, 3, 4, 99]
    assert result.problem_count == 6


def test_a_reading_error_reaches_the_caller_after_the_batches_before_it():
    def broken(into):
        yield "first"
        raise SpreadsheetError("坏文件")

    taken = []
    with pytest.raises(SpreadsheetError, match="坏文件"):
        for batch in read_ahead(broken, ImportResult()):
            taken.append(batch)
    assert taken == ["first"]


def test_the_reading_thread_speaks_the_callers_language():
    result = ImportResult()
    with translation.override("en"):
        list(read_ahead(batches, result))
    assert result.problems[0].reason == "Required; cannot be empty."


def test_problems_beyond_the_report_limit_are_counted_not_kept():
    def many(into):
        for n in range(MAX_REPORTED_PROBLEMS + 50):
            into.add_problem(n, "列", n, "bad")
        yield "only"

    result = ImportResult()
    assert list(read_ahead(many, result)) == ["only"]
    assert result.problem_count == MAX_REPORTED_PROBLEMS + 50
    assert len(result.problems) == MAX_REPORTED_PROBLEMS


def test_a_caller_that_stops_early_stops_the_reader():
    result = ImportResult()
    for batch in read_ahead(lambda into: batches(into, 1000), result):
        if batch == 2:
            break
    assert result.rows <= 2 * 4  # at most one batch read ahead of the one taken
