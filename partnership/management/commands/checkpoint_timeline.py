from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partnership.chain import ChainKey
from partnership.checkpoints import ChainBrokenError, chain_keys, chain_name, checkpoint_write
from partnership.models import Partnership


class Command(BaseCommand):
    help = (
        "Sign a checkpoint of the audit timeline's chains now (every chain with events since "
        "its last checkpoint, or one partnership's), as the scheduler does regularly. A chain "
        "that does not verify is not signed, and the command exits non-zero naming it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--partnership", metavar="SLUG", help="Only this partnership's chain (its short name)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["partnership"]
        keys: list[ChainKey]
        if slug:
            partnership = Partnership.objects.filter(slug=slug).first()
            if partnership is None:
                raise CommandError(f"No partnership is called {slug!r}.")
            keys = [partnership.pk]
        else:
            keys = chain_keys()
        broken = []
        for key in keys:
            try:
                checkpoint = checkpoint_write(key)
            except ChainBrokenError as error:
                broken.append(f"Not signed: {error}")
                continue
            if checkpoint is None:
                self.stdout.write(f"{chain_name(key)}: nothing new since the last checkpoint.")
            else:
                self.stdout.write(
                    f"{chain_name(key)}: checkpoint {checkpoint.number} signed at event "
                    f"{checkpoint.seq} ({checkpoint.head_hash})."
                )
        if broken:
            raise CommandError("\n".join(broken))
