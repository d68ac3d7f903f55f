"""The French catalogue is complete: every UI string has a translation, none is fuzzy."""

import re
import subprocess
from pathlib import Path

PO_FILE = Path(__file__).resolve().parent.parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"
ENTRY = re.compile(r'((?:#.*\n)*)msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)')


def entries():
    text = PO_FILE.read_text(encoding="utf-8")
    for comments, msgid, msgstr in ENTRY.findall(text):
        joined_id = "".join(re.findall(r'"(.*)"', msgid))
        if joined_id:  # the header entry has an empty msgid
            yield comments, joined_id, "".join(re.findall(r'"(.*)"', msgstr))


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
