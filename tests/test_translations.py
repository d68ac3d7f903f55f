"""The French catalogue is complete: every UI string has a translation, none is fuzzy."""

import os
import re
import shutil
import subprocess
from pathlib import Path

PO_FILE = Path(__file__).resolve().parent.parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"
# What `make messages` scans (it ignores .venv, staticfiles, e2e, tests and bench).
SOURCE_FOLDERS = ["project", "wms", "scan", "theme", "templates", "locale"]
QUOTED = r'(?:".*"\n)+'
ENTRY = re.compile(rf"((?:#.*\n)*)msgid ({QUOTED})msgstr ({QUOTED})")
PLURAL_ENTRY = re.compile(
    rf"((?:#.*\n)*)msgid ({QUOTED})msgid_plural {QUOTED}"
    rf"msgstr\[0\] ({QUOTED})msgstr\[1\] ({QUOTED})"
)


def joined(quoted):
    return "".join(re.findall(r'"(.*)"', quoted))


def entries(text=None):
    """(comments, msgid, translation) per entry; a plural entry's translation is empty unless
    both of its forms are translated."""
    text = text if text is not None else PO_FILE.read_text(encoding="utf-8")
    for comments, msgid, msgstr in ENTRY.findall(text):
        if joined(msgid):  # the header entry has an empty msgid
            yield comments, joined(msgid), joined(msgstr)
    for comments, msgid, one, many in PLURAL_ENTRY.findall(text):
        forms = [joined(one), joined(many)]
        yield comments, joined(msgid), " / ".join(forms) if all(forms) else ""


def test_the_french_catalogue_has_no_untranslated_entry():
    untranslated = [msgid for _c, msgid, msgstr in entries() if not msgstr]
    assert untranslated == []


def test_the_french_catalogue_has_no_fuzzy_entry():
    fuzzy = [msgid for comments, msgid, _s in entries() if "fuzzy" in comments]
    assert fuzzy == []


def test_the_committed_mo_file_is_the_compiled_catalogue(tmp_path):
    assert len(list(entries())) >= 10
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(PO_FILE)], check=True)
    assert compiled.read_bytes() == PO_FILE.with_suffix(".mo").read_bytes(), "run make messages"


def test_every_string_in_the_code_is_in_the_committed_catalogue(tmp_path, settings):
    """Extract the messages again, in a scratch copy of the sources: nothing may be missing from
    the committed French catalogue (run `make messages` and translate when this fails)."""
    from django.core.management import call_command

    root = PO_FILE.parents[3]
    scratch = tmp_path / "src"
    for folder in SOURCE_FOLDERS:
        shutil.copytree(root / folder, scratch / folder, ignore=shutil.ignore_patterns("*.pyc"))
    settings.LOCALE_PATHS = [scratch / "locale"]
    previous = os.getcwd()
    os.chdir(scratch)
    try:
        call_command("makemessages", locale=["fr"], verbosity=0, no_obsolete=True)
    finally:
        os.chdir(previous)
    extracted = (scratch / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text("utf-8")
    fresh = {msgid for _c, msgid, _s in entries(extracted)}
    committed = {msgid for _c, msgid, _s in entries()}
    assert fresh - committed == set(), "run make messages and translate the new strings"
    assert committed - fresh == set(), "obsolete entries: run make messages"
