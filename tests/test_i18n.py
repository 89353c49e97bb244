"""The Russian catalog is complete and its compiled .mo matches the .po (the .mo is committed so a
fresh machine needs no gettext tools)."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[1] / "locale"


def test_every_russian_message_is_translated():
    catalog = polib.pofile(str(LOCALE / "ru" / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in catalog if not entry.translated() and not entry.obsolete]
    assert missing == []


@pytest.mark.parametrize("language", ["ru", "en"])
def test_compiled_catalog_matches_the_source(language):
    source = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    compiled = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    expected = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "") for e in source.translated_entries()
    }
    actual = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "") for e in compiled if e.msgid}
    assert actual == expected


def test_model_labels_are_russian_first():
    from motiva.kpi.models import Card

    with translation.override("ru"):
        assert str(Card._meta.verbose_name) == "карта KPI"
    with translation.override("en"):
        assert str(Card._meta.verbose_name) == "KPI card"
