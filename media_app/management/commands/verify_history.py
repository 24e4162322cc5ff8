"""``manage.py verify_history [--media <token>]``: check every media's history hash chain."""

from django.core.management.base import BaseCommand, CommandError

from media_app.models import Media
from media_app.selectors.history import history_chains, history_of, history_stamps
from media_app.services.history import chain_break, stamp_breaks


class Command(BaseCommand):
    help = (
        "Check every history chain: seq continuity, prev_hash links, entry_hash recomputed from "
        "the stored payload, the payload's media and seq; then each daily stamp: its digest "
        "against its heads, and each "
        "stamped head still in its chain (a rewritten tail). Prints 'ok: N chains, M entries', "
        "or the first broken link of each broken chain (and each broken stamp) and exits 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("--media", default="", help="Check the chain of this media only.")

    def handle(self, *args, media, **options):
        chains = history_chains()
        if media:
            if not Media.objects.filter(friendly_token=media).exists():
                raise CommandError(f"No media {media!r}.")
            chains = chains.filter(friendly_token=media)
        count = entries_count = 0
        broken = []
        for item in chains.iterator():
            entries = list(history_of(media=item))
            count, entries_count = count + 1, entries_count + len(entries)
            found = chain_break(uid=str(item.uid), entries=entries)
            if found is not None:
                seq, what = found
                broken.append(f"broken: media {item.friendly_token} seq {seq}: {what}")
        stamps = 0
        for stamp in history_stamps():
            stamps += 1
            broken.extend(stamp_breaks(stamp=stamp, only=media or None))
        if broken:
            for line in broken:
                self.stdout.write(line)
            self.stdout.write(
                f"{len(broken)} broken: {count} chains, {entries_count} entries, {stamps} stamps "
                "checked"
            )
            raise SystemExit(1)
        counted = f", {stamps} stamps" if stamps else ""
        self.stdout.write(f"ok: {count} chains, {entries_count} entries{counted}")
