"""The coalition's progress towards its Article 4 deadline (SPEC §9, §14).

The arithmetic, kept in one place so it can be checked by hand:

* the *baseline month* is the month set with `/settings baseline <m²> YYYY-MM`, or else the
  month of the first report; only reports from that month on count towards the outlook
  (what was released before is already outside the baseline);
* *released* = cancelled + reduced + cleared, and *found* = newly identified area, summed
  over the reports from the baseline month up to the period;
* *remaining* = baseline + found − released (never below zero): a coalition total;
* *months left* = whole calendar months from the month after the period to the deadline's
  month, plus the part of the deadline's month before its day (period 2027-03, deadline
  2028-08-01: April 2027 … July 2028 = 16.0);
* *rate needed* = remaining / months left;
* *rate achieved* = area released in the last 6 months up to the period (months without a
  report count as zero) / 6, or / the number of months since the baseline month if fewer;
  the *net* rate subtracts the area found in the same months;
* *on track* when nothing remains or the net rate is at least the rate needed; *at risk*
  otherwise, and always once the deadline is reached with area remaining;
* the chart's *projection* continues the remaining area at the net rate of the last 12
  months (`PROJECTION_MONTHS`); it meets zero after remaining / that rate months.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Coalition, ProgressReport
from bot.services import deadlines, reports

WINDOW_MONTHS = 6
PROJECTION_MONTHS = 12


@dataclass(frozen=True)
class Totals:
    """Summed figures of some reports (see `reports.FIELDS`)."""

    cancelled: int = 0
    reduced: int = 0
    cleared: int = 0
    cmr: int = 0
    submunitions: int = 0
    re_sessions: int = 0
    re_people: int = 0
    found: int = 0

    @property
    def released(self) -> int:
        return self.cancelled + self.reduced + self.cleared

    @classmethod
    def of(cls, rows: list[ProgressReport]) -> Totals:
        return cls(**{f.name: sum(getattr(row, f.name) for row in rows) for f in fields(cls)})


@dataclass(frozen=True)
class OperatorProgress:
    organisation: str
    period: Totals
    cumulative: Totals
    reported: bool  # has a report for the period itself


@dataclass(frozen=True)
class Month:
    """One calendar month of the coalition: area released and newly identified (all operators)."""

    period: str
    released: int = 0
    found: int = 0


@dataclass(frozen=True)
class Outlook:
    """Remaining contamination against the Article 4 deadline, from the baseline month on."""

    baseline: int | None
    released: int
    deadline: date | None
    months_left: float | None
    achieved_rate: float
    window_months: int
    found: int = 0
    found_rate: float = 0.0
    projection_rate: float = 0.0  # net monthly reduction of the remaining area, last 12 months

    @property
    def remaining(self) -> int | None:
        return None if self.baseline is None else max(self.baseline + self.found - self.released, 0)

    @property
    def share(self) -> float | None:
        total = (self.baseline or 0) + self.found
        return None if not self.baseline else min(self.released / total, 1.0)

    @property
    def net_rate(self) -> float:
        return self.achieved_rate - self.found_rate

    @property
    def months_to_zero(self) -> float | None:
        """Months after the period until the projection meets zero; None if it never does."""
        if self.remaining is None or self.projection_rate <= 0:
            return None
        return self.remaining / self.projection_rate

    @property
    def needed_rate(self) -> float | None:
        if self.remaining is None or self.months_left is None or self.months_left <= 0:
            return None
        return self.remaining / self.months_left

    @property
    def on_track(self) -> bool | None:
        """None while the baseline or the deadline is unknown."""
        if self.remaining is None or self.months_left is None:
            return None
        if self.remaining == 0:
            return True
        if self.months_left <= 0:
            return False
        return self.net_rate >= self.needed_rate


@dataclass(frozen=True)
class Progress:
    """Everything `/progress` shows and charts, as of the end of `period`."""

    coalition: Coalition
    period: str
    operators: list[OperatorProgress]
    period_total: Totals
    cumulative_total: Totals
    outlook: Outlook
    monthly: list[Month]  # every month from the baseline month (or first report) to the period
    start: str | None = None  # the baseline month: the chart's path starts there


def month_index(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def period_of(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_left(period: str, deadline: date) -> float:
    """Months from the start of the month after `period` to `deadline` (see the module doc)."""
    whole = deadline.year * 12 + deadline.month - 1 - (month_index(period) + 1)
    return whole + (deadline.day - 1) / calendar.monthrange(deadline.year, deadline.month)[1]


def baseline_month(coalition: Coalition, rows: list[ProgressReport]) -> str | None:
    """The month the baseline is the area at the start of: set, or the first report's."""
    return coalition.baseline_period or min((row.period for row in rows), default=None)


def monthly_figures(rows: list[ProgressReport], start: str | None, period: str) -> list[Month]:
    """Every month from `start` to `period` (gaps as zero): released and found, all operators."""
    if start is None or start > period:
        return []
    released: dict[str, int] = {}
    found: dict[str, int] = {}
    for row in rows:
        released[row.period] = released.get(row.period, 0) + row.released
        found[row.period] = found.get(row.period, 0) + row.found
    months = (period_of(i) for i in range(month_index(start), month_index(period) + 1))
    return [Month(m, released.get(m, 0), found.get(m, 0)) for m in months]


def _average(months: list[Month], value: Callable[[Month], int]) -> float:
    return sum(value(m) for m in months) / len(months) if months else 0.0


def outlook(baseline: int | None, deadline: date | None, period: str, monthly: list[Month]) -> Outlook:
    window = monthly[-WINDOW_MONTHS:]
    recent = monthly[-PROJECTION_MONTHS:]
    return Outlook(
        baseline=baseline,
        released=sum(m.released for m in monthly),
        deadline=deadline,
        months_left=months_left(period, deadline) if deadline else None,
        achieved_rate=_average(window, lambda m: m.released),
        window_months=len(window),
        found=sum(m.found for m in monthly),
        found_rate=_average(window, lambda m: m.found),
        projection_rate=_average(recent, lambda m: m.released - m.found),
    )


def remaining_at(coalition: Coalition, rows: list[ProgressReport], period: str) -> int | None:
    """Remaining contamination at the end of `period` (coalition total); None without a baseline
    or before the baseline month."""
    start = baseline_month(coalition, rows)
    if start is None or start > period:
        return None
    monthly = monthly_figures(rows, start, period)
    return outlook(coalition.baseline_m2, None, period, monthly).remaining


def latest_period(rows: list[ProgressReport]) -> str | None:
    return max((row.period for row in rows), default=None)


def compute(coalition: Coalition, rows: list[ProgressReport], period: str, deadline: date | None) -> Progress:
    """The progress view of `rows` (every report of the coalition) as of `period`."""
    upto = [row for row in rows if row.period <= period]
    organisations = sorted({row.organisation for row in upto}, key=str.casefold)
    operators = [
        OperatorProgress(
            organisation=org,
            period=Totals.of([r for r in upto if r.organisation == org and r.period == period]),
            cumulative=Totals.of([r for r in upto if r.organisation == org]),
            reported=any(r.organisation == org and r.period == period for r in upto),
        )
        for org in organisations
    ]
    start = baseline_month(coalition, rows)
    monthly = monthly_figures(upto, start, period)
    return Progress(
        coalition=coalition,
        period=period,
        operators=operators,
        period_total=Totals.of([r for r in upto if r.period == period]),
        cumulative_total=Totals.of(upto),
        outlook=outlook(coalition.baseline_m2, deadline, period, monthly),
        monthly=monthly,
        start=start,
    )


async def progress(session: AsyncSession, coalition: Coalition, period: str | None) -> Progress | None:
    """The progress as of `period` (default: the latest reported); None without a report for it."""
    rows = await reports.reports_of(session, coalition)
    if period is not None and not any(row.period == period for row in rows):
        return None
    period = period or latest_period(rows)
    if period is None:
        return None
    deadline = await deadlines.by_article(session, coalition, deadlines.CLEARANCE)
    return compute(coalition, rows, period, deadline.due_on if deadline else None)
