"""Writes that run behind the caller (bulk.BackgroundWrites): in order, in the caller's
transaction and language, and a failure stops everything after it."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from bangfu.core.bulk import BackgroundWrites
from bangfu.geo.models import Region

BOTH = pytest.mark.parametrize("background", [True, False], ids=["thread", "inline"])


def region(code):
    return lambda: Region.objects.create(code=code, name=code, level="village")


@BOTH
@pytest.mark.django_db(transaction=True)
def test_jobs_wait_for_start_then_run_in_order_in_the_callers_transaction(background):
    done = []
    with transaction.atomic(), BackgroundWrites(background) as writes:
        writes.submit(lambda: done.append(1))
        writes.submit(region("900000000001"))
        writes.submit(lambda: done.append(Region.objects.filter(code="900000000001").count()))
        writes.idle()
        assert done == []  # held until started
        writes.start()
        writes.idle()
        assert done == [1, 1]
        assert Region.objects.filter(code="900000000001").exists()  # visible to the caller
        transaction.set_rollback(True)
    assert not Region.objects.filter(code="900000000001").exists()  # and undone with it


@BOTH
@pytest.mark.django_db(transaction=True)
def test_a_failed_job_is_raised_to_the_caller_and_nothing_after_it_runs(background):
    after = []
    with pytest.raises(IntegrityError):
        with transaction.atomic(), BackgroundWrites(background) as writes:
            writes.submit(region("900000000002"))
            writes.submit(region("900000000002"))  # the code is unique
            writes.submit(lambda: after.append("ran"))
            writes.wait()
    assert after == []
    assert not Region.objects.filter(code="900000000002").exists()


@BOTH
@pytest.mark.django_db(transaction=True)
def test_leaving_on_an_error_drops_the_held_jobs(background):
    ran = []
    with pytest.raises(ValueError):
        with BackgroundWrites(background) as writes:
            writes.submit(lambda: ran.append("held"))
            raise ValueError
    assert ran == []


@BOTH
@pytest.mark.django_db(transaction=True)
def test_a_job_speaks_the_language_it_was_submitted_in(background):
    said = []
    with BackgroundWrites(background) as writes, translation.override("en"):
        writes.submit(lambda: said.append(_("贫困户")))
        writes.wait()
    assert said == ["Poor household"]
