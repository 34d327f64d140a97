from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bangfu.core.backups import create_backup


class Command(BaseCommand):
    help = "Write a dated archive of the database and the media folder (var/backups/)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="archive file or folder")

    def handle(self, *args: Any, **options: Any) -> None:
        archive = create_backup(options["output"])
        self.stdout.write(str(archive))
