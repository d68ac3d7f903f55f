#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        # Loaded here first: Django's own loader keeps a settings error aside and then fails
        # later with an unrelated "Models aren't loaded yet" traceback.
        if sys.argv[1:2] and sys.argv[1] not in ("help", "--help", "-h", "version", "--version"):
            from django.conf import settings

            settings.INSTALLED_APPS  # noqa: B018
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A settings problem is for the operator, not a traceback: say what to fix.
        sys.stderr.write(f"Configuration invalide : {exc}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
