"""The translation check: every message of the code is in the catalogs, translated, not fuzzy,
with the same placeholders and markup as the English source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from bot.config import PROJECT_ROOT

LOCALES = PROJECT_ROOT / "locales"
PLACEHOLDER = re.compile(r"\{\w+\}")
TAG = re.compile(r"</?[a-z]+")


def catalog(lang: str):
    with open(LOCALES / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def extracted(tmp_path: Path) -> set[str]:
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(PROJECT_ROOT / "babel.cfg"),
            "-k",
            "_",
            "-k",
            "N_",
            "-k",
            "ngettext:1,2",
            "-o",
            str(pot),
            str(PROJECT_ROOT),
        ]
    )
    with open(pot, "rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_every_message_in_the_code_is_in_the_catalog(lang, tmp_path):
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(lang) if m.id}
    in_code = extracted(tmp_path)
    assert "Settings saved." in in_code
    assert in_code - known == set(), "run pybabel extract/update (see README)"


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_translations_are_complete_and_keep_placeholders_and_markup(lang):
    problems = []
    for message in catalog(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(("fuzzy", ids[0]))
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for index, text in enumerate(strings):
            if not text:
                problems.append(("empty", ids[0]))
                continue
            found = set(PLACEHOLDER.findall(text))
            # plural forms for one or two may spell the number out ("عضوان"): {n} alone may go
            optional = {"{n}"} if isinstance(message.id, tuple) and index in (0, 1, 2) else set()
            if not (wanted - optional <= found <= wanted):
                problems.append(("placeholders", ids[0], text))
            if sorted(TAG.findall(text)) != sorted(TAG.findall(ids[0])):
                problems.append(("markup", ids[0], text))
    assert problems == []


def test_arabic_header_has_the_six_form_plural_rule():
    header = catalog("ar").plural_expr.replace(" ", "")
    assert catalog("ar").num_plurals == 6
    assert "n%100>=11" in header
