from datetime import UTC, datetime

import pytest

from bot.i18n import FSI, PDI, negotiate


@pytest.mark.parametrize(
    ("code", "expected"),
    [("fr", "fr"), ("fr-CA", "fr"), ("ar-LB", "ar"), ("en-GB", "en"), ("de", None), (None, None), ("", None)],
)
def test_telegram_language_codes_are_negotiated(code, expected):
    assert negotiate(code) == expected


@pytest.mark.parametrize(
    ("n", "form"),
    [(0, 0), (1, 1), (2, 2), (3, 3), (10, 3), (11, 4), (99, 4), (100, 5), (101, 5), (102, 5), (103, 3), (111, 4)],
)
def test_arabic_catalog_has_six_plural_forms_with_the_cldr_rule(catalogs, n, form):
    translations = catalogs.lang("ar").translations
    assert translations.plural(n) == form


def test_every_arabic_plural_form_is_distinct(catalogs):
    t = catalogs.lang("ar")
    texts = {
        t.ngettext(
            "<b>Country Coalition of {country}</b>: {n} member", "<b>Country Coalition of {country}</b>: {n} members", n
        )
        for n in (0, 1, 2, 3, 11, 100)
    }
    assert len(texts) == 6


def test_arabic_isolates_ids_and_numbers_but_french_does_not(catalogs):
    assert catalogs.lang("ar").isolate("AP3") == f"{FSI}AP3{PDI}"
    assert catalogs.lang("fr").isolate("AP3") == "AP3"
    assert catalogs.lang("fr").number(120000) == "120\u202f000"


def test_dates_use_the_readers_locale_and_timezone(catalogs):
    moment = datetime(2027, 4, 15, 6, 30, tzinfo=UTC)
    fr = catalogs.lang("fr", "Asia/Beirut")
    assert fr.datetime(moment, fmt="short") == "15/04/2027 09:30"
    en = catalogs.lang("en", "UTC")
    assert "6:30" in en.datetime(moment, fmt="short")


def test_translations_are_loaded(catalogs):
    assert catalogs.lang("fr")._("Settings saved.") != "Settings saved."
    assert catalogs.lang("ar")._("Settings saved.") != "Settings saved."


def test_appointments_read_naturally_in_each_language(catalogs):
    moment = datetime(2027, 4, 15, 6, 30, tzinfo=UTC)
    assert catalogs.lang("en", "Asia/Beirut").appointment(moment) == "Thursday, April 15, 2027, 9:30\u202fAM GMT+03:00"
    assert catalogs.lang("fr", "Asia/Beirut").appointment(moment) == "jeudi 15 avril 2027 à 09:30 UTC+03:00"
    assert "الخميس، 15 أبريل 2027، الساعة 9:30" in catalogs.lang("ar", "Asia/Beirut").appointment(moment)
    # the month names of the coalition's country when Babel has its variant (Lebanon: نيسان)
    assert "الخميس، 15 نيسان 2027، الساعة 9:30" in catalogs.lang("ar", "Asia/Beirut", "Lebanon").appointment(moment)


def test_french_writes_the_first_of_the_month_as_1er(catalogs):
    fr = catalogs.lang("fr", "UTC")
    assert fr.appointment(datetime(2027, 4, 1, 9, 30, tzinfo=UTC)) == "jeudi 1er avril 2027 à 09:30 UTC+00:00"
    assert fr.date(datetime(2028, 8, 1, tzinfo=UTC), fmt="long") == "1er août 2028"
    assert fr.date(datetime(2028, 8, 11, tzinfo=UTC), fmt="long") == "11 août 2028"
