from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partnership.chain import ChainKey
from partnership.checkpoints import chain_check, chain_keys
from partnership.models import Partnership


class Command(BaseCommand):
    help = (
        "Check the audit timeline's hash chains (every partnership's and the service's, or one "
        "partnership's) from each one's last signed checkpoint, or whole with --full; exit "
        "non-zero naming the first broken event of each broken chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--partnership", metavar="SLUG", help="Only this partnership's chain (its short name)."
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Walk every event from the first and check every checkpoint against the chain "
            "(finds an event edited in place, which a check from the last checkpoint does not "
            "read).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["partnership"]
        keys: list[ChainKey]
        if slug:
            partnership = Partnership.objects.filter(slug=slug).first()
            if partnership is None:
                known = ", ".join(Partnership.objects.values_list("slug", flat=True))
                raise CommandError(f"No partnership is called {slug!r} (there are: {known}).")
            keys = [partnership.pk]
        else:
            keys = chain_keys()
        broken = []
        for key in keys:
            check = chain_check(key, full=options["full"])
            self.stdout.write(check.describe())
            if not check.ok:
                broken.append(check.describe())
        if broken:
            raise CommandError("\n".join(broken))
