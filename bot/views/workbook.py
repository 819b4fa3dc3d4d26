"""The Article 7 draft as an `.xlsx` workbook (SPEC §14), for the national authority to paste
into the official forms: one sheet per form (F land release, B stockpile destruction, G risk
education), headings in the reader's language, every figure a number cell (never text), one
row per operator and a total row, and the months without a report flagged beside each
operator (never filled in). Arabic sheets are laid out right to left.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.i18n import Lang
from bot.services.progress import Totals
from bot.services.treaty import Article7
from bot.views.treaty import months

NUMBER_FORMAT = "#,##0"
HEADER_ROW = 5
_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def _plain(text: str) -> str:
    """Cells hold plain text: no bidi isolates (a spreadsheet lays each cell out itself)."""
    return text.replace("\u2068", "").replace("\u2069", "")


class _Sheet:
    """One form: a title block, a header row, one row per operator, a total row."""

    def __init__(self, book: Workbook, t: Lang, a: Article7, title: str, form: str, now: datetime) -> None:
        self.t, self.a = t, a
        self.ws: Worksheet = book.create_sheet(_plain(title).translate(_FORBIDDEN)[:31])
        self.ws.sheet_view.rightToLeft = t.rtl
        heading = t._("Country Coalition of {country} — Article 7 report for {year}").format(
            country=a.coalition.country, year=a.figures.year
        )
        self.ws["A1"] = _plain(f"{title}: {form}")
        self.ws["A1"].font = Font(bold=True, size=13)
        self.ws["A2"] = _plain(heading)
        self.ws["A3"] = _plain(
            t._(
                "Draft summed from the operators' monthly reports on {date}, following the Article 7 reporting "
                "format of the Convention on Cluster Munitions."
            ).format(date=t.date(now, fmt="long"))
        )

    def table(self, headings: list[str], values: Callable[[Totals], list[int]], flag_missing: bool = False) -> int:
        """Write the table; returns the row after the total."""
        t, ws = self.t, self.ws
        names = [t._("Operator"), *headings] + (
            [t._("Months without a report (not filled in)")] if flag_missing else []
        )
        for column, name in enumerate(names, start=1):
            cell = ws.cell(HEADER_ROW, column, _plain(name))
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.column_dimensions[get_column_letter(column)].width = 18 if column > 1 else 28
        row = HEADER_ROW + 1
        for op in self.a.figures.operators:
            self._row(row, op.organisation, values(op.totals))
            if flag_missing and op.missing:
                ws.cell(row, len(names), _plain(months(t, op.missing)))
            row += 1
        self._row(row, t._("Total"), values(self.a.figures.total), bold=True)
        return row + 1

    def _row(self, row: int, label: str, numbers: list[int], bold: bool = False) -> None:
        self.ws.cell(row, 1, _plain(label)).font = Font(bold=bold)
        for column, value in enumerate(numbers, start=2):
            cell = self.ws.cell(row, column, value)
            cell.number_format = NUMBER_FORMAT
            cell.font = Font(bold=bold)


def article7_workbook(t: Lang, a: Article7, now: datetime) -> bytes:
    book = Workbook()
    book.remove(book.active)
    year = a.figures.year

    land = _Sheet(book, t, a, t._("Form F"), t._("Clearance of cluster munition remnants (Article 4)"), now)
    after = land.table(
        [
            t._("Area cancelled by non-technical survey (m²)"),
            t._("Area reduced by technical survey (m²)"),
            t._("Area cleared (m²)"),
            t._("Total area released (m²)"),
            t._("Newly identified contaminated area (m²)"),
            t._("Cluster munition remnants destroyed"),
        ],
        lambda x: [x.cancelled, x.reduced, x.cleared, x.released, x.found, x.cmr],
        flag_missing=True,
    )
    label = t._("Remaining contamination on 31 December {year} (m², all operators)").format(year=year)
    land.ws.cell(after + 1, 1, _plain(label)).font = Font(bold=True)
    if a.figures.remaining is None:
        land.ws.cell(after + 1, 2, _plain(t._("cannot be computed: the baseline is not set or starts after that year")))
    else:
        land.ws.cell(after + 1, 2, a.figures.remaining).number_format = NUMBER_FORMAT

    stockpile = _Sheet(book, t, a, t._("Form B"), t._("Stockpile destruction (Article 3)"), now)
    stockpile.table([t._("Stockpiled submunitions destroyed")], lambda x: [x.submunitions])

    education = _Sheet(book, t, a, t._("Form G"), t._("Risk education"), now)
    education.table([t._("Risk education sessions"), t._("People reached")], lambda x: [x.re_sessions, x.re_people])

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filename(a: Article7) -> str:
    country = "".join(c if c.isascii() and c.isalnum() else "-" for c in a.coalition.country).strip("-").lower()
    return f"article7-{country or 'coalition'}-{a.figures.year}.xlsx"
