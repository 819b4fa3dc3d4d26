"""Issue 6 chart: a real PNG of the expected size; Arabic labels joined and right to left."""

from __future__ import annotations

import io
import struct
from datetime import UTC, date, datetime

import arabic_reshaper
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from PIL import Image

from bot.models import Coalition, ProgressReport
from bot.services.progress import compute
from bot.views import charts

NOW = datetime(2027, 4, 5, tzinfo=UTC)


def _progress(baseline: int | None = 1_000_000, deadline: date | None = date(2028, 8, 1)):
    coalition = Coalition(id=1, chat_id=-1, country="Lebanon", baseline_m2=baseline, created_at=NOW)
    rows = [
        ProgressReport(coalition_id=1, organisation="NPA", period="2027-02", cleared=30000, reported_at=NOW),
        ProgressReport(coalition_id=1, organisation="NPA", period="2027-03", cancelled=120000, reported_at=NOW),
    ]
    return compute(coalition, rows, "2027-03", deadline)


def _png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", data[16:24]) == (charts.WIDTH, charts.HEIGHT) == (960, 540)
    image = Image.open(io.BytesIO(data))
    image.verify()
    return Image.open(io.BytesIO(data))


def test_the_chart_is_a_png_of_the_expected_size_in_every_language(catalogs):
    for code in ("en", "fr", "ar"):
        image = _png(charts.render(catalogs.lang(code), _progress()))
        assert image.format == "PNG" and image.size == (960, 540)


def test_the_chart_draws_without_baseline_or_deadline(catalogs):
    _png(charts.render(catalogs.lang("en"), _progress(baseline=None, deadline=None)))


def test_visual_order_puts_arabic_right_to_left_in_joined_forms():
    label = charts.visual("مارس 2027")
    # left to right: the year, then the month drawn from its last letter to its first
    assert label.startswith("2027 ") and label[5:] == arabic_reshaper.reshape("مارس")[::-1]
    assert all(0xFE70 <= ord(c) <= 0xFEFF for c in label[5:])  # presentation forms: letters joined


def _ink(text: str):
    figure = Figure(figsize=(7, 1), dpi=100)
    FigureCanvasAgg(figure)
    figure.text(0.02, 0.3, text, fontproperties=charts.FONT, fontsize=18)
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba())[..., 0].copy()


def test_arabic_labels_are_drawn_joined_and_right_to_left(catalogs):
    """What matplotlib draws from `shaped()` is what the joined, visually ordered text looks
    like drawn glyph by glyph (a left-to-right override keeps the layout from reordering it)."""
    t = catalogs.lang("ar")
    labels = [t._("Area released (cumulative)"), t._("Article 4 deadline"), "مارس 2027",
              t._("Land release: Country Coalition of {country}").format(country="لبنان")]  # fmt: skip
    for label in labels:
        drawn = _ink(charts.shaped(t, label))
        oracle = _ink("\u202d" + charts.visual(label) + "\u202c" if charts.NATIVE_LAYOUT else charts.visual(label))
        # the mistake to catch: reordering twice (or not at all), which scrambles the letters
        wrong = _ink(charts.visual(label) if charts.NATIVE_LAYOUT else label)
        ink = (drawn < 128).sum()
        assert ink > 300
        # harakat (the damma of القُطري) may sit a pixel apart; letters and their order may not
        assert (drawn != oracle).sum() < ink / 4 < (drawn != wrong).sum(), label
    if charts.NATIVE_LAYOUT:  # without harakat, pixel for pixel the same
        assert (_ink(charts.shaped(t, "مارس 2027")) == _ink("\u202d" + charts.visual("مارس 2027") + "\u202c")).all()
    assert charts.shaped(catalogs.lang("en"), "\u2068March 2027\u2069") == "March 2027"


def test_the_font_has_the_arabic_glyphs_it_is_asked_for():
    font = FT2Font(str(charts.FONT_FILE))
    charmap = font.get_charmap()
    shaped = arabic_reshaper.reshape("الإفراج عن الأراضي: الائتلاف القُطري")
    assert all(ord(c) in charmap for c in shaped if not c.isspace())


def test_the_chart_draws_remaining_with_found_and_a_projection(catalogs):
    coalition = Coalition(id=1, chat_id=-1, country="Lebanon", baseline_m2=400_000, baseline_period="2027-01",
                          created_at=NOW)  # fmt: skip
    rows = [
        ProgressReport(
            coalition_id=1, organisation="NPA", period="2027-02", cleared=30000, found=5000, reported_at=NOW
        ),
        ProgressReport(coalition_id=1, organisation="NPA", period="2027-03", cleared=60000, reported_at=NOW),
    ]
    progress = compute(coalition, rows, "2027-03", date(2028, 8, 1))
    assert progress.outlook.months_to_zero == pytest.approx(315_000 / ((30000 - 5000 + 60000) / 3))
    for code in ("en", "fr", "ar"):
        _png(charts.render(catalogs.lang(code), progress))
    before = compute(coalition, rows, "2026-12", date(2028, 8, 1))  # a period before the baseline month
    _png(charts.render(catalogs.lang("en"), before))
