"""Issue 6 views: plural forms (Arabic has six) and the countdown in each language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.models import Coalition
from bot.services.export import CsvFile
from bot.views import progress as views

COALITION = Coalition(id=1, chat_id=-1, country="Lebanon", created_at=datetime(2027, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("n", "arabic"),
    [
        (0, "لا توجد صفوف"),
        (1, "صف واحد"),
        (2, "صفان"),
        (3, "3\u2069 صفوف"),
        (11, "11\u2069 صفًا"),
        (100, "100\u2069 صف"),
        (101, "101\u2069 صف"),
    ],
)
def test_export_captions_use_the_arabic_plural_forms(catalogs, n, arabic):
    caption = views.export_caption(catalogs.lang("ar"), COALITION, CsvFile("reports.csv", b"", n))
    assert caption.startswith("تقارير التقدم") and caption.endswith(arabic)


@pytest.mark.parametrize(("n", "french"), [(0, "0 ligne"), (1, "1 ligne"), (2, "2 lignes")])
def test_export_captions_in_french(catalogs, n, french):
    assert views.export_caption(catalogs.lang("fr"), COALITION, CsvFile("members.csv", b"", n)).endswith(french)


@pytest.mark.parametrize(
    ("code", "days", "expected"),
    [("en", 520, "in 17 months"), ("fr", 92, "dans 3 mois"), ("ar", 50, "خلال 7 أسابيع"), ("en", -61, "2 months ago")],
)
def test_countdowns_in_the_readers_language(catalogs, code, days, expected):
    now = datetime(2027, 1, 10, tzinfo=UTC)
    assert expected in views.countdown(catalogs.lang(code), now + timedelta(days=days), now)
