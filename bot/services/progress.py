"""The coalition's progress towards its Article 4 deadline (SPEC §9).

The arithmetic, kept in one place so it can be checked by hand:

* *released* = cancelled + reduced + cleared, summed over every report up to the period;
* *remaining* = baseline − released (never below zero);
* *months left* = whole calendar months from the month after the period to the deadline's
  month, plus the part of the deadline's month before its day (period 2027-03, deadline
  2028-08-01: April 2027 … July 2028 = 16.0);
* *rate needed* = remaining / months left;
* *rate achieved* = area released in the last 6 months up to the period (months without a
  report count as zero) / 6, or / the number of months since the first report if fewer;
* *on track* when nothing remains or the rate achieved is at least the rate needed; *at
  risk* otherwise, and always once the deadline is reached with area remaining.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, fields
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Coalition, ProgressReport
from bot.services import deadlines, reports

WINDOW_MONTHS = 6


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
class Outlook:
    """Area released against the baseline and the Article 4 deadline."""

    baseline: int | None
    released: int
    deadline: date | None
    months_left: float | None
    achieved_rate: float
    window_months: int

    @property
    def remaining(self) -> int | None:
        return None if self.baseline is None else max(self.baseline - self.released, 0)

    @property
    def share(self) -> float | None:
        return None if not self.baseline else min(self.released / self.baseline, 1.0)

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
        return self.achieved_rate >= self.needed_rate


@dataclass(frozen=True)
class Progress:
    """Everything `/progress` shows and charts, as of the end of `period`."""

    coalition: Coalition
    period: str
    operators: list[OperatorProgress]
    period_total: Totals
    cumulative_total: Totals
    outlook: Outlook
    monthly: list[tuple[str, int]]  # every month from the first report to the period: area released


def month_index(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def period_of(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_left(period: str, deadline: date) -> float:
    """Months from the start of the month after `period` to `deadline` (see the module doc)."""
    whole = deadline.year * 12 + deadline.month - 1 - (month_index(period) + 1)
    return whole + (deadline.day - 1) / calendar.monthrange(deadline.year, deadline.month)[1]


def monthly_released(rows: list[ProgressReport], period: str) -> list[tuple[str, int]]:
    """Area released per month, every month from the first report to `period`, gaps as zero."""
    by_month: dict[str, int] = {}
    for row in rows:
        by_month[row.period] = by_month.get(row.period, 0) + row.released
    if not by_month:
        return []
    first, last = month_index(min(by_month)), month_index(period)
    return [(period_of(i), by_month.get(period_of(i), 0)) for i in range(first, last + 1)]


def outlook(baseline: int | None, deadline: date | None, period: str, monthly: list[tuple[str, int]]) -> Outlook:
    window = monthly[-WINDOW_MONTHS:]
    achieved = sum(value for _, value in window) / len(window) if window else 0.0
    return Outlook(
        baseline=baseline,
        released=sum(value for _, value in monthly),
        deadline=deadline,
        months_left=months_left(period, deadline) if deadline else None,
        achieved_rate=achieved,
        window_months=len(window),
    )


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
    monthly = monthly_released(upto, period)
    return Progress(
        coalition=coalition,
        period=period,
        operators=operators,
        period_total=Totals.of([r for r in upto if r.period == period]),
        cumulative_total=Totals.of(upto),
        outlook=outlook(coalition.baseline_m2, deadline, period, monthly),
        monthly=monthly,
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
