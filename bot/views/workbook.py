"""The Article 7 draft as an `.xlsx` workbook (SPEC §14), for the national authority to paste
into the official forms: one sheet per form (F land release, B stockpile destruction, G risk
education, I international cooperation), headings in the reader's language, every figure a
number cell (never text), one row per operator and a total row, and the months without a
report flagged beside each operator (never filled in). Arabic sheets are laid out right to left.

Form I holds money: each amount is a number in major units (450000, 1250.5) with its ISO 4217
code in the next column, the number format carrying the currency's decimals; amounts in
different currencies are never added together.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.i18n import Lang
from bot.models import Need, Pledge
from bot.services.money import Money
from bot.services.progress import Totals
from bot.services.treaty import Article7
from bot.views.needs import priority_name, state_name
from bot.views.treaty import months

NUMBER_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_ROW = 5
_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def _plain(text: str) -> str:
    """Cells hold plain text: no bidi isolates (a spreadsheet lays each cell out itself)."""
    return text.replace("\u2068", "").replace("\u2069", "")


def _text(ws: Worksheet, row: int, column: int, text: str) -> Cell:
    """A text cell, kept text even when it starts with "=" (a need's title or a donor's name
    typed by a member must never become a formula)."""
    cell = ws.cell(row, column, _plain(text))
    cell.data_type = "s"
    return cell


class _Number:
    """A number cell with its display format."""

    def __init__(self, value: int | Decimal, fmt: str = NUMBER_FORMAT) -> None:
        self.value, self.format = value, fmt


class _Day:
    def __init__(self, value: object) -> None:
        self.value = value


_Cell = str | _Number | _Day


def amount(minor: int | None, currency: str | None) -> list[_Cell]:
    """Two cells: the amount in major units (a whole number when it is one) and its currency."""
    if minor is None or currency is None:
        return ["", ""]
    money = Money(minor, currency)
    value = money.value
    fmt = NUMBER_FORMAT + ("." + "0" * money.precision if money.precision else "")
    return [_Number(int(value) if value == value.to_integral_value() else value, fmt), currency]


def per_currency(amounts: dict[str, int], code: str) -> _Cell:
    return amount(amounts.get(code, 0), code)[0]


class _Sheet:
    """One form: a title block, a header row, one row per operator, a total row."""

    def __init__(self, book: Workbook, t: Lang, a: Article7, title: str, form: str, now: datetime) -> None:
        self.t, self.a = t, a
        self.ws: Worksheet = book.create_sheet(_plain(title).translate(_FORBIDDEN)[:31])
        self.ws.sheet_view.rightToLeft = t.rtl
        heading = t._("Country Coalition of {country} — Article 7 report for {year}").format(
            country=t.country_name(a.coalition.country), year=a.figures.year
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

    def section(self, row: int, title: str, headings: list[str], lines: list[list[_Cell]]) -> int:
        """A titled table of typed cells from `row`; returns the row after it and a blank one."""
        self.ws.cell(row, 1, _plain(title)).font = Font(bold=True, size=12)
        for column, name in enumerate(headings, start=1):
            cell = self.ws.cell(row + 1, column, _plain(name))
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            self.ws.column_dimensions[get_column_letter(column)].width = 18 if column > 1 else 28
        for offset, values in enumerate(lines, start=row + 2):
            for column, value in enumerate(values, start=1):
                if isinstance(value, str):
                    _text(self.ws, offset, column, value)
                    continue
                cell = self.ws.cell(offset, column, value.value)
                if isinstance(value, _Number):
                    cell.number_format = value.format
                elif isinstance(value, _Day):
                    cell.number_format = DATE_FORMAT
        if not lines:
            self.ws.cell(row + 2, 1, _plain(self.t._("none")))
        return row + 3 + max(len(lines), 1)

    def _row(self, row: int, label: str, numbers: list[int], bold: bool = False) -> None:
        _text(self.ws, row, 1, label).font = Font(bold=bold)
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

    _cooperation(_Sheet(book, t, a, t._("Form I"), t._("International cooperation and assistance"), now), now)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _need(t: Lang, need: Need) -> list[_Cell]:
    return [
        f"N{need.number}",
        need.title,
        priority_name(t, need.priority),
        *amount(need.amount, need.currency),
        need.due_month or "",
        t._("open") if need.closed_at is None else t._("closed"),
    ]


def _pledge(t: Lang, pledge: Pledge, need: Need) -> list[_Cell]:
    return [
        f"PL{pledge.number}",
        f"N{need.number}",
        pledge.organisation,
        *amount(pledge.amount, pledge.currency),
        pledge.in_kind,
        state_name(t, pledge.state),
        _Day(pledge.by_date) if pledge.by_date else "",
    ]


def _cooperation(sheet: _Sheet, now: datetime) -> None:
    """Form I: the totals per currency first (what the form asks for), then the rows they sum."""
    t, c = sheet.t, sheet.a.cooperation
    year, zone = sheet.a.figures.year, ZoneInfo(sheet.a.coalition.timezone)
    today = t.date(now, fmt="long")
    row = sheet.section(
        HEADER_ROW,
        t._("Totals of {year} per currency (no exchange rate applied)").format(year=year),
        [
            t._("Currency"),
            t._("Needs registered"),
            t._("Pledged (not withdrawn)"),
            t._("Disbursed"),
            t._("Funding gap of the open needs on {date}").format(date=today),
        ],
        [
            [code, *(per_currency(figures, code) for figures in (c.requested, c.pledged, c.disbursed, c.gap))]
            for code in c.currencies
        ],
    )
    if c.in_kind:
        sheet.ws.cell(row - 1, 1, _plain(t._("Pledges in kind (not withdrawn)")))
        sheet.ws.cell(row - 1, 2, c.in_kind).number_format = NUMBER_FORMAT
        row += 1
    row = sheet.section(
        row,
        t._("Needs registered in {year}").format(year=year),
        [t._("Need"), t._("Title"), t._("Priority"), t._("Amount"), t._("Currency"), t._("Needed by"), t._("Status")],
        [_need(t, need) for need in c.needs],
    )
    row = sheet.section(
        row,
        t._("Pledges made in {year} (withdrawn ones are not counted in the totals)").format(year=year),
        [
            t._("Pledge"),
            t._("Need"),
            t._("Donor"),
            t._("Amount"),
            t._("Currency"),
            t._("In kind"),
            t._("State"),
            t._("Expected disbursement"),
        ],
        [_pledge(t, pledge, need) for pledge, need in c.pledges],
    )
    sheet.section(
        row,
        t._("Disbursements in {year}").format(year=year),
        [t._("Date"), t._("Pledge"), t._("Need"), t._("Donor"), t._("Amount"), t._("Currency")],
        [
            [
                _Day(step.at.astimezone(zone).date()),
                f"PL{pledge.number}",
                f"N{need.number}",
                pledge.organisation,
                *amount(step.amount, step.currency),
            ]
            for pledge, step, need in c.disbursements
        ],
    )


def filename(a: Article7) -> str:
    country = "".join(c if c.isascii() and c.isalnum() else "-" for c in a.coalition.country).strip("-").lower()
    return f"article7-{country or 'coalition'}-{a.figures.year}.xlsx"
