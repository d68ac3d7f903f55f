"""Write a development `.env` when none exists (`make run`); never touches an existing one."""

import secrets
import sys
from pathlib import Path

TEMPLATE = """# Development settings written by `make run` on first use. Not for production.
DJANGO_DEBUG=true
DJANGO_SECRET_KEY={secret_key}
DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
SECURE_SSL_REDIRECT=false
SESSION_COOKIE_SECURE=false
CSRF_COOKIE_SECURE=false
SITE_BASE_URL=http://127.0.0.1:8000
DEMO_PASSWORD={demo_password}
"""


def main(path: Path) -> int:
    if path.exists():
        print(f"{path} exists: left as it is.")
        return 0
    path.write_text(
        TEMPLATE.format(
            secret_key=secrets.token_urlsafe(50), demo_password=secrets.token_urlsafe(9)
        ),
        encoding="utf-8",
    )
    print(f"Wrote a development {path} (DEBUG on, generated key and demo password).")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".env")))
