"""Fill French translations into locale/fr/LC_MESSAGES/django.po (developer tool).

    python bin/po_fill.py --list            # untranslated or fuzzy entries, one per line
    python bin/po_fill.py translations.json # {"English": "Français", "one %(n)s": ["un", "des"]}

Plural entries take a [singular, plural] pair. Filling an entry clears its fuzzy flag and the
"previous msgid" comments gettext left on it. Run `make messages` before (to extract) and after
(to compile).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"
QUOTED = r'(?:".*"\n)+'
SINGULAR = re.compile(rf"(?P<comments>(?:#.*\n)*)msgid (?P<id>{QUOTED})msgstr (?P<str>{QUOTED})")
PLURAL = re.compile(
    rf"(?P<comments>(?:#.*\n)*)msgid (?P<id>{QUOTED})msgid_plural (?P<plural>{QUOTED})"
    rf"msgstr\[0\] (?P<s0>{QUOTED})msgstr\[1\] (?P<s1>{QUOTED})"
)


def joined(quoted: str) -> str:
    return "".join(re.findall(r'"(.*)"', quoted))


def translations_of(match: re.Match[str]) -> list[str]:
    names = ("s0", "s1") if "s0" in match.groupdict() else ("str",)
    return [joined(match[name]) for name in names]


def needs_work(match: re.Match[str]) -> bool:
    if not joined(match["id"]):
        return False  # the header
    return not all(translations_of(match)) or "fuzzy" in match["comments"]


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def clean_comments(comments: str) -> str:
    kept = (line for line in comments.splitlines() if not line.startswith("#|"))
    kept = (line for line in kept if line.strip() != "#, fuzzy")
    return "".join(line.replace(", fuzzy", "") + "\n" for line in kept)


def fill(text: str, translations: dict[str, str | list[str]]) -> tuple[str, list[str]]:
    filled: list[str] = []

    def replace_plural(match: re.Match[str]) -> str:
        target = translations.get(joined(match["id"]))
        if not isinstance(target, list) or not needs_work(match):
            return match.group(0)
        filled.append(joined(match["id"]))
        return (
            f"{clean_comments(match['comments'])}msgid {match['id']}"
            f"msgid_plural {match['plural']}"
            f"msgstr[0] {quote(target[0])}\nmsgstr[1] {quote(target[1])}\n"
        )

    def replace(match: re.Match[str]) -> str:
        target = translations.get(joined(match["id"]))
        if not isinstance(target, str) or not needs_work(match):
            return match.group(0)
        filled.append(joined(match["id"]))
        return f"{clean_comments(match['comments'])}msgid {match['id']}msgstr {quote(target)}\n"

    text = PLURAL.sub(replace_plural, text)
    return SINGULAR.sub(replace, text), filled


def untranslated(text: str) -> list[str]:
    return [
        joined(match["id"])
        for pattern in (PLURAL, SINGULAR)
        for match in pattern.finditer(text)
        if needs_work(match)
    ]


def main(argv: list[str]) -> int:
    text = PO.read_text(encoding="utf-8")
    if argv[:1] == ["--list"]:
        for msgid in untranslated(text):
            print(json.dumps(msgid, ensure_ascii=False))
        return 0
    translations = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    new_text, filled = fill(text, translations)
    PO.write_text(new_text, encoding="utf-8")
    print(f"filled {len(filled)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
