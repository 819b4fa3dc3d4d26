"""The `/progress` chart, labelled in the reader's language (SPEC §9, §14).

With a baseline: the remaining contamination at the end of each month (baseline + found −
released, from the baseline month) against the straight path from the baseline at the start
of its month to zero at the Article 4 deadline, and a dotted projection continuing the curve
at the net rate of the last 12 months to where it meets zero. Newly identified area raises
the curve, never the path. Without a baseline: the cumulative area released.

Matplotlib with the Agg backend through its object API only (no pyplot and no global
state), so a chart can be drawn in a worker thread. Arabic must be drawn joined and right
to left: matplotlib 3.11 and later lay text out with libraqm (HarfBuzz shaping and the
Unicode bidirectional algorithm) and take the text as written; older versions draw glyphs
one by one from left to right, so for them labels are shaped into their joined letter
forms (`arabic-reshaper`) and put in visual order (`python-bidi`) first. The font is the
DejaVu Sans that matplotlib ships in its own package data: it has the Arabic letters and
presentation forms, so no system font (nor an extra package) is needed.
"""

from __future__ import annotations

import calendar
import io
import math
from datetime import date
from itertools import accumulate
from pathlib import Path

import arabic_reshaper
import matplotlib
from babel.dates import format_skeleton
from babel.numbers import format_decimal
from bidi import get_display
from matplotlib import ft2font
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FuncFormatter

from bot.i18n import Lang, strip_bidi
from bot.services.progress import Progress, month_index, period_of

WIDTH, HEIGHT, DPI = 960, 540, 100
MAX_TICKS = 8
FONT_FILE = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
FONT = FontProperties(fname=FONT_FILE)
NATIVE_LAYOUT = hasattr(ft2font, "__libraqm_version__")
"""Matplotlib lays complex scripts out itself (3.11 and later)."""


def visual(text: str) -> str:
    """Arabic in joined letter forms and left-to-right visual order, for a renderer that
    draws the characters as given."""
    return get_display(arabic_reshaper.reshape(text))


def shaped(t: Lang, text: str) -> str:
    """A label as this matplotlib must be given it to draw it right for this reader."""
    text = strip_bidi(text)  # the marks Babel or the views add: a label is one run of text
    return visual(text) if t.rtl and not NATIVE_LAYOUT else text


def _month_label(t: Lang, index: int) -> str:
    year, month = period_of(index).split("-")
    return shaped(t, format_skeleton("yMMM", date(int(year), int(month), 1), locale=t.locale))


def _deadline_x(p: Progress, first: int) -> float | None:
    """The deadline in months from the start of the chart's first month."""
    day = p.outlook.deadline
    if day is None:
        return None
    return day.year * 12 + day.month - 1 - first + (day.day - 1) / calendar.monthrange(day.year, day.month)[1]


def _remaining(t: Lang, axes: Axes, p: Progress, baseline: int, first: int) -> float:
    """Remaining contamination, the straight path and the projection; returns the last x drawn."""
    o = p.outlook
    xs = list(range(len(p.monthly) + 1))
    remaining = [max(baseline + value, 0) for value in accumulate([0, *(m.found - m.released for m in p.monthly)])]
    axes.plot(xs, remaining, marker="o", linewidth=2.2, color="#1b6ca8",
              label=shaped(t, t._("Remaining contamination")))  # fmt: skip
    end = float(xs[-1])
    at = _deadline_x(p, first)
    if at is not None and at > 0:
        axes.axvline(at, color="#c0392b", linewidth=1, label=shaped(t, t._("Article 4 deadline")))
        axes.plot([0, at], [baseline, 0], linestyle="--", color="#c0392b",
                  label=shaped(t, t._("Straight path to the deadline")))  # fmt: skip
        end = max(end, at)
    months = o.months_to_zero
    if months is not None and remaining[-1] > 0:
        zero = xs[-1] + months
        axes.plot([xs[-1], zero], [remaining[-1], 0], linestyle=":", linewidth=2, color="#2e8b57",
                  label=shaped(t, t._("Projection at the average rate of the last 12 months")))  # fmt: skip
        axes.plot([zero], [0], marker="X", markersize=9, color="#2e8b57", linestyle="none")
        end = max(end, zero)
    axes.set_ylabel(shaped(t, t._("Remaining contamination (m²)")), fontproperties=FONT)
    return end


def _released(t: Lang, axes: Axes, p: Progress) -> float:
    """Without a baseline: the cumulative area released, the one figure known."""
    xs = list(range(len(p.monthly) + 1))
    released = list(accumulate([0, *(m.released for m in p.monthly)]))
    axes.plot(xs, released, marker="o", linewidth=2.2, color="#1b6ca8",
              label=shaped(t, t._("Area released (cumulative)")))  # fmt: skip
    axes.set_ylabel(shaped(t, t._("Area released (m²)")), fontproperties=FONT)
    end = float(xs[-1])
    at = _deadline_x(p, month_index(p.start or p.period))
    if at is not None and at > 0:
        axes.axvline(at, color="#c0392b", linewidth=1, label=shaped(t, t._("Article 4 deadline")))
        end = max(end, at)
    return end


MAX_CHART_MONTHS = 12 * 40
"""A projection decades away would flatten everything else: the axis stops there."""


def render(t: Lang, p: Progress) -> bytes:
    """The chart as PNG bytes, WIDTH × HEIGHT pixels."""
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    # x is in months from the start of the first month shown; a month's figures count at its end
    first = month_index(p.start or p.period)
    baseline = p.outlook.baseline
    end = _released(t, axes, p) if baseline is None else _remaining(t, axes, p, baseline, first)
    end = min(end, MAX_CHART_MONTHS)
    axes.set_xlim(left=0, right=math.ceil(end) + 1)  # room for the marker where the projection meets zero
    step = max(1, math.ceil((math.ceil(end) + 1) / MAX_TICKS))
    ticks = list(range(0, math.ceil(end) + 1, step))
    axes.set_xticks(ticks, [_month_label(t, first + tick) for tick in ticks])
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: shaped(t, format_decimal(value, locale=t.locale))))
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)
    title = t._("Land release: Country Coalition of {country}").format(country=t.country_name(p.coalition.country))
    axes.set_title(shaped(t, title), fontproperties=FONT, fontsize=13)
    axes.tick_params(labelsize=9, labelfontfamily=FONT.get_name())
    axes.legend(loc="upper right" if p.outlook.baseline is not None else "upper left", prop=FONT)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
