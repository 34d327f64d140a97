"""The tally triggers made from one declaration per tally (dashboard.tallies.TALLIES), with
the counting module's rule for which entries are kept, and the triggers that keep columns
copied from related rows (core.derived): the old triggers are replaced, every copied column
put right and the tallies recounted.

SQLite: nothing is done here. A later migration in the same run may rebuild a table these
triggers name, which SQLite refuses; the post_migrate handlers (tallies.ensure_triggers,
derived.after_migrate) install both sets once every migration has run.
"""

from django.db import migrations


def replace_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from bangfu.core import derived
    from bangfu.dashboard import tallies

    derived.install()  # first: putting a copied column right moves the tallies
    tallies.drop_triggers()
    tallies.install_triggers()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0003_tally_by_unit"),
        ("campaigns", "0003_pairing_state_solver_runs"),
        ("coops", "0001_initial"),
        ("geo", "0001_initial"),
        ("ledger", "0002_photos_review_milestones"),
        ("orgs", "0002_branch_ordering"),
        ("registry", "0005_plain_indexes"),
    ]

    operations = [migrations.RunPython(replace_triggers, migrations.RunPython.noop)]
