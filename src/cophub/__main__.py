"""The `cophub` console script: Django's management commands with cophub's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cophub.config.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv[1:]
    # `cophub import-domains` is the documented spelling of the `import_domains` command.
    if argv and not argv[0].startswith("-"):
        argv[0] = argv[0].replace("-", "_")
    execute_from_command_line(["cophub", *argv])


if __name__ == "__main__":
    main()
