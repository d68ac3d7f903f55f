"""Fill French translations into locale/fr/LC_MESSAGES/django.po (developer tool).

    python bin/po_fill.py --list            # untranslated or fuzzy entries, one per line
    python bin/po_fill.py translations.json # {"English source": "Texte français", ...}

Filling an entry clears its fuzzy flag and the "previous msgid" comments gettext left on it.
Run `make messages` before (to extract) and after (to compile).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"
ENTRY = re.compile(r'(?P<comments>(?:#.*\n)*)msgid (?P<id>(?:".*"\n)+)msgstr (?P<str>(?:".*"\n)+)')


def joined(quoted: str) -> str:
    return "".join(re.findall(r'"(.*)"', quoted))


def needs_work(match: re.Match[str]) -> bool:
    return bool(joined(match["id"])) and (not joined(match["str"]) or "fuzzy" in match["comments"])


def fill(text: str, translations: dict[str, str]) -> tuple[str, list[str]]:
    filled: list[str] = []

    def replace(match: re.Match[str]) -> str:
        source = joined(match["id"])
        if source not in translations or not needs_work(match):
            return match.group(0)
        comments = "".join(
            line + "\n"
            for line in match["comments"].splitlines()
            if not line.startswith("#|") and line.strip() != "#, fuzzy"
        ).replace(", fuzzy", "")
        target = translations[source].replace("\\", "\\\\").replace('"', '\\"')
        filled.append(source)
        return f'{comments}msgid {match["id"]}msgstr "{target}"\n'

    return ENTRY.sub(replace, text), filled


def main(argv: list[str]) -> int:
    text = PO.read_text(encoding="utf-8")
    if argv[:1] == ["--list"]:
        for match in ENTRY.finditer(text):
            if needs_work(match):
                print(json.dumps(joined(match["id"]), ensure_ascii=False))
        return 0
    translations = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    new_text, filled = fill(text, translations)
    PO.write_text(new_text, encoding="utf-8")
    print(f"filled {len(filled)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
