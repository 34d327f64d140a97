"""`bangfu purge-imports`: delete uploaded import files older than BANGFU_IMPORT_FILE_DAYS
(every import job does this at its start; run it from cron where imports are rare)."""

from django.core.management.base import BaseCommand

from bangfu.core import import_files


class Command(BaseCommand):
    help = "Delete uploaded import files kept longer than BANGFU_IMPORT_FILE_DAYS."

    def handle(self, *args, **options) -> None:
        gone = import_files.purge_leftovers()
        self.stdout.write(f"{gone} import file(s) deleted")
