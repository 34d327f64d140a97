from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bangfu.core.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore the database and media folder from an archive written by `bangfu backup`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="overwrite a database that holds data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive = options["archive"]
        if not archive.is_file():
            raise CommandError(f"no such archive: {archive}")
        try:
            manifest = restore_backup(archive, overwrite=options["yes"])
        except BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(
            f"restored {manifest['database']} database and {manifest['media_files']} media "
            f"files from {archive} (written {manifest['created']})"
        )
