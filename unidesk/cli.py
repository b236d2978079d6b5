"""The `unidesk` command: Django's management commands plus Unidesk's own.

`unidesk migrate`, `unidesk createsuperuser`, `unidesk token create alice`,
`unidesk demo`, `unidesk web` ... all go through Django's command machinery, so every
command is also reachable as `python -m django ... --settings=unidesk.config.settings`.
"""

from __future__ import annotations

import os
import sys

# Spellings with a hyphen for commands whose module names need an underscore.
_ALIASES = {"imap-poll": "imap_poll"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unidesk.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        args[0] = _ALIASES.get(args[0], args[0])
    execute_from_command_line(["unidesk", *args])


if __name__ == "__main__":
    main()
