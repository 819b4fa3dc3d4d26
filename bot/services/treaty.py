"""Treaty reporting drafted from the monthly reports (SPEC §14): the Article 7 figures of a
calendar year and the figures of an Article 4 extension request.

Every figure is a sum of stored `ProgressReport` rows, nothing is estimated or filled in:

* *year figures* (Article 7, Forms F, B and G): per operator and in total, each figure summed
  over the reports of that year's months; *remaining on 31 December* = `progress.remaining_at`
  the year's December (baseline + found − released from the baseline month, a coalition total);
* *months without a report*: per operator, the months of the year from its first report on,
  up to December (or, for the current year, the last month that has ended), with no report;
  they are listed, never counted as anything but missing;
* *extension figures*: baseline, found and released (by method) since the baseline month,
  remaining; the average annual release over the last three complete calendar years that
  each have a report (missing months count as 0 and are listed); years needed = remaining /
  that average (one decimal), counted from the month after the latest report, giving the
  completion date; compared with the Article 4 deadline, and more than `MAX_EXTENSION_YEARS`
  past it means one extension cannot cover it; with the date of the Meeting of States Parties,
  the request is due nine months before it (`deadlines.submission_due`);
* *Form I* (international cooperation, from the needs register, SPEC §13), per currency and
  never converted: the amounts of the needs registered in the year, of the pledges made in
  it (withdrawn ones listed, not counted; in kind counted apart) and of the tranches paid
  in it; beside them the funding gap of the open needs now (`needs.gap_by_currency`).

Per-operator figures are read through `operator_reports` only; Form I through
`needs.year_flows` and `needs.totals`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models import Article7Submission, Coalition, Need, Person, Pledge, PledgeStep, ProgressReport, Reminder
from bot.services import deadlines, needs, parsing, progress, reports
from bot.services.errors import InvalidInput
from bot.services.kinds import Kind
from bot.services.progress import Totals
from bot.services.reminders import plan_once
from bot.services.watchdogs import add_months

REPORT_DUE = (4, 30)  # Article 7 reports are due on 30 April for the previous calendar year
FIRST_REMINDER = (3, 1)
REMINDER_AT = time(9, 0)
OVERDUE_EVERY = timedelta(days=14)
MONDAY = 0
DUE, OVERDUE = "due", "overdue"
AVERAGE_YEARS = 3
MAX_EXTENSION_YEARS = 5
SUBMITTED = "submitted"


async def operator_reports(session: AsyncSession, coalition: Coalition) -> list[ProgressReport]:
    """Every report of the coalition: the one place per-operator figures are read from."""
    return await reports.reports_of(session, coalition)


def parse_year(value: str, today: date) -> int:
    """A calendar year from 2000 to the current one (Arabic-Indic digits too)."""
    text = parsing.western_digits(value.strip())
    if not (len(text) == 4 and text.isdigit()) or not reports.FIRST_YEAR <= int(text) <= today.year:
        raise InvalidInput(
            N_("“{value}” is not a reporting year: give a year from {first} to {last}, e.g. /article7 {last}."),
            value=value,
            first=reports.FIRST_YEAR,
            last=today.year,
        )
    return int(text)


def last_closed_month(today: date) -> str:
    return progress.period_of(today.year * 12 + today.month - 2)


def missing_months(rows: list[ProgressReport], organisation: str, year: int, today: date) -> list[str]:
    """The months of `year` since the operator's first report, already over, with no report of it."""
    own = {row.period for row in rows if row.organisation == organisation}
    if not own:
        return []
    first = max(min(own), f"{year:04d}-01")
    last = min(f"{year:04d}-12", last_closed_month(today))
    months = (progress.period_of(i) for i in range(progress.month_index(first), progress.month_index(last) + 1))
    return [month for month in months if month not in own]


@dataclass(frozen=True)
class OperatorYear:
    organisation: str
    totals: Totals
    missing: list[str]


@dataclass(frozen=True)
class YearFigures:
    """The Article 7 draft of one calendar year."""

    year: int
    operators: list[OperatorYear]
    total: Totals
    remaining: int | None  # on 31 December, coalition total; None without a baseline
    reported: bool  # at least one report for the year

    def snapshot(self) -> dict:
        """The report-derived part of a submission (see `snapshot`)."""
        return {
            "total": asdict(self.total),
            "remaining": self.remaining,
            "operators": {op.organisation: asdict(op.totals) for op in self.operators},
        }


def year_figures(coalition: Coalition, rows: list[ProgressReport], year: int, today: date) -> YearFigures:
    prefix = f"{year:04d}-"
    of_year = [row for row in rows if row.period.startswith(prefix)]
    started = sorted({row.organisation for row in rows if row.period <= f"{year:04d}-12"}, key=str.casefold)
    operators = [
        OperatorYear(
            org,
            Totals.of([row for row in of_year if row.organisation == org]),
            missing_months(rows, org, year, today),
        )
        for org in started
    ]
    return YearFigures(
        year=year,
        operators=[op for op in operators if op.totals != Totals() or op.missing],
        total=Totals.of(of_year),
        remaining=progress.remaining_at(coalition, rows, f"{year:04d}-12"),
        reported=bool(of_year),
    )


COOPERATION_FIGURES = ("requested", "pledged", "disbursed")


def _per_currency(amounts: list[tuple[str | None, int | None]]) -> dict[str, int]:
    summed: dict[str, int] = defaultdict(int)
    for currency, amount in amounts:
        if currency is not None and amount is not None:
            summed[currency] += amount
    return dict(sorted(summed.items()))


@dataclass(frozen=True)
class Cooperation:
    """Article 7 Form I of one calendar year: amounts in minor units, per ISO 4217 currency."""

    year: int
    needs: list[Need]  # registered in the year
    pledges: list[tuple[Pledge, Need]]  # made in the year, withdrawn included
    disbursements: list[tuple[Pledge, PledgeStep, Need]]  # tranches paid in the year
    requested: dict[str, int]
    pledged: dict[str, int]  # not withdrawn, with an amount
    disbursed: dict[str, int]
    in_kind: int  # pledges in kind made in the year, not withdrawn
    gap: dict[str, int]  # the open needs' gap now (not on 31 December: pledges move)

    @property
    def currencies(self) -> list[str]:
        return sorted({*self.requested, *self.pledged, *self.disbursed, *self.gap})

    @property
    def recorded(self) -> bool:
        return bool(self.needs or self.pledges or self.disbursements)

    def snapshot(self) -> dict:
        return {name: getattr(self, name) for name in COOPERATION_FIGURES}


def cooperation(flows: needs.YearFlows, register: list[needs.NeedTotals]) -> Cooperation:
    """Form I from the year's flows; `register` is every need (closed included) with its totals."""
    by_id = {item.need.id: item.need for item in register}
    live = [p for p in flows.pledges if p.state != "withdrawn"]
    return Cooperation(
        year=flows.year,
        needs=flows.needs,
        pledges=[(p, by_id[p.need_id]) for p in flows.pledges],
        disbursements=[(p, step, by_id[p.need_id]) for p, step in flows.disbursements],
        requested=_per_currency([(n.currency, n.amount) for n in flows.needs]),
        pledged=_per_currency([(p.currency, p.amount) for p in live]),
        disbursed=_per_currency([(step.currency, step.amount) for _, step in flows.disbursements]),
        in_kind=sum(1 for p in live if p.amount is None),
        gap=needs.gap_by_currency(register),
    )


def snapshot(figures: YearFigures, funding: Cooperation) -> dict:
    """What a submission keeps, in a form JSON stores as is."""
    return {**figures.snapshot(), "cooperation": funding.snapshot()}


@dataclass(frozen=True)
class Difference:
    """One figure whose value now differs from the submitted one; `organisation` None: the total;
    `currency` set: a Form I amount (minor units) in that currency."""

    figure: str
    organisation: str | None
    submitted: int | None
    now: int | None
    currency: str | None = None


def differences(submitted: dict, now: dict) -> list[Difference]:
    """Totals first, then remaining, then per operator (in name order), then Form I per currency
    (only when the submission stored it: submissions made before Form I existed did not)."""
    found = [
        Difference(name, None, submitted["total"].get(name, 0), value)
        for name, value in now["total"].items()
        if submitted["total"].get(name, 0) != value
    ]
    if submitted.get("remaining") != now["remaining"]:
        found.append(Difference("remaining", None, submitted.get("remaining"), now["remaining"]))
    for org in sorted({*submitted["operators"], *now["operators"]}, key=str.casefold):
        before, after = submitted["operators"].get(org, {}), now["operators"].get(org, {})
        for name in now["total"]:
            if before.get(name, 0) != after.get(name, 0):
                found.append(Difference(name, org, before.get(name, 0), after.get(name, 0)))
    if "cooperation" in submitted:
        for name in COOPERATION_FIGURES:
            before, after = submitted["cooperation"].get(name, {}), now["cooperation"][name]
            for code in sorted({*before, *after}):
                if before.get(code, 0) != after.get(code, 0):
                    found.append(Difference(name, None, before.get(code, 0), after.get(code, 0), code))
    return found


@dataclass(frozen=True)
class Article7:
    """What `/article7 YYYY` shows: the figures now, and the submission if there is one."""

    coalition: Coalition
    figures: YearFigures
    cooperation: Cooperation
    submission: Article7Submission | None
    changes: list[Difference] = field(default_factory=list)


async def submission(session: AsyncSession, coalition: Coalition, year: int) -> Article7Submission | None:
    return (
        await session.exec(
            select(Article7Submission).where(
                Article7Submission.coalition_id == coalition.id, Article7Submission.year == year
            )
        )
    ).first()


async def article7(session: AsyncSession, coalition: Coalition, year: int, today: date) -> Article7:
    figures = year_figures(coalition, await operator_reports(session, coalition), year, today)
    funding = cooperation(
        await needs.year_flows(session, coalition, year), await needs.totals(session, coalition, include_closed=True)
    )
    stored = await submission(session, coalition, year)
    changes = differences(json.loads(stored.figures), snapshot(figures, funding)) if stored else []
    return Article7(coalition, figures, funding, stored, changes)


async def submit(
    session: AsyncSession, coalition: Coalition, year: int, person: Person | None, now: datetime
) -> Article7:
    """Keep what was sent (again if sent again) and stop the year's reminders."""
    today = reports.local_today(coalition.timezone, now)
    current = await article7(session, coalition, year, today)
    if not current.figures.reported:
        return current
    stored = current.submission or Article7Submission(
        coalition_id=coalition.id, year=year, figures="", submitted_at=now
    )
    stored.figures = json.dumps(snapshot(current.figures, current.cooperation), sort_keys=True)
    stored.submitted_by, stored.submitted_at = (person.id if person else None), now
    session.add(stored)
    await session.flush()
    await session.exec(
        update(Reminder)
        .where(
            Reminder.coalition_id == coalition.id,
            Reminder.kind == Kind.ARTICLE7,
            Reminder.subject_id == year,
            Reminder.state == "pending",
        )
        .values(state="dropped", finished_at=now, note="submitted")
    )
    return Article7(coalition, current.figures, current.cooperation, stored, [])


async def after_report(session: AsyncSession, coalition: Coalition, report: ProgressReport, now: datetime) -> bool:
    """A report for an already submitted year: True when the figures now differ from the
    submission; the national authority is then told by a durable reminder (one per filing)."""
    year = int(report.period[:4])
    current = await article7(session, coalition, year, reports.local_today(coalition.timezone, now))
    if current.submission is None or not current.changes:
        return False
    await plan_once(
        session,
        Reminder(
            key=f"{Kind.ARTICLE7_CHANGED}:{coalition.id}:{year}:{report.id}:{now.isoformat()}",
            coalition_id=coalition.id,
            kind=Kind.ARTICLE7_CHANGED,
            subject_id=year,
            label=report.organisation[:64],
            due_at=now,
        ),
    )
    return True


# Article 7 reminders ------------------------------------------------------------------


async def _has_reports(session: AsyncSession, coalition: Coalition, year: int) -> bool:
    found = await session.exec(
        select(ProgressReport.id)
        .where(ProgressReport.coalition_id == coalition.id, ProgressReport.period.startswith(f"{year:04d}-"))
        .limit(1)
    )
    return found.first() is not None


def overdue(coalition: Coalition, year: int, now: datetime) -> bool:
    """Past 30 April of the following year, in the coalition's timezone."""
    return reports.local_today(coalition.timezone, now) > date(year + 1, *REPORT_DUE)


def reminder_slots(coalition: Coalition, year: int) -> list[tuple[datetime, str]]:
    """When the report on `year` is asked for: 1 March 09:00, every Monday to 30 April, then
    one overdue notice on 1 May and one every 14 days until 31 December (coalition time)."""
    zone, due_year = ZoneInfo(coalition.timezone), year + 1
    day, due = date(due_year, *FIRST_REMINDER), date(due_year, *REPORT_DUE)
    slots = [(day, DUE)]
    day += timedelta(days=(MONDAY - day.weekday()) % 7 or 7)
    while day <= due:
        slots.append((day, DUE))
        day += timedelta(days=7)
    day = due + timedelta(days=1)
    while day <= date(due_year, 12, 31):
        slots.append((day, OVERDUE))
        day += OVERDUE_EVERY
    return [(datetime.combine(d, REMINDER_AT, zone).astimezone(UTC), label) for d, label in slots]


def next_slot(
    slots: list[tuple[datetime, str]], last_planned: datetime | None, now: datetime
) -> tuple[datetime, str] | None:
    """The one slot to plan now: the latest already due (a missed run is sent once, not once per
    slot missed), else the first still ahead; only slots after `last_planned` (when the last
    reminder was due or, if it left later, when it left)."""
    later = [slot for slot in slots if last_planned is None or slot[0] > last_planned]
    due = [slot for slot in later if slot[0] <= now]
    if due:
        return due[-1]
    return later[0] if later else None


async def plan_article7(session: AsyncSession, coalition: Coalition, now: datetime) -> bool:
    """Keep exactly one Article 7 reminder ahead for the report due this year; True when planned.

    Only a year with a report has a draft to send (and can be marked submitted): a coalition
    whose operators reported nothing that year through the bot is not reminded."""
    year = reports.local_today(coalition.timezone, now).year - 1
    if await submission(session, coalition, year) is not None or not await _has_reports(session, coalition, year):
        return False
    planned = list(
        await session.exec(
            select(Reminder).where(
                Reminder.coalition_id == coalition.id, Reminder.kind == Kind.ARTICLE7, Reminder.subject_id == year
            )
        )
    )
    if any(r.state in ("pending", "sending") for r in planned):
        return False
    # a reminder sent late (after downtime) stands for every slot up to when it left
    last = max((max(r.due_at, r.finished_at or r.due_at) for r in planned), default=None)
    slot = next_slot(reminder_slots(coalition, year), last, now)
    if slot is None:
        return False
    due, label = slot
    return await plan_once(
        session,
        Reminder(
            key=f"{Kind.ARTICLE7}:{coalition.id}:{year}:{due.date().isoformat()}",
            coalition_id=coalition.id,
            kind=Kind.ARTICLE7,
            subject_id=year,
            label=label,
            due_at=due,
        ),
    )


# Extension request ----------------------------------------------------------------------


@dataclass(frozen=True)
class YearRelease:
    year: int
    released: int
    missing: list[tuple[str, list[str]]]  # (operator, months without a report)


@dataclass(frozen=True)
class Extension:
    """The figures of an Article 4 extension request; None where they cannot be computed."""

    coalition: Coalition
    baseline: int | None
    start: str | None  # the baseline month
    found: int
    released: Totals  # since the baseline month, by method
    remaining: int | None
    years: list[YearRelease]  # the complete calendar years the average is taken over
    average: float | None
    years_needed: float | None
    completion: date | None
    deadline: date | None
    too_long: bool
    msp: date | None
    submission_due: date | None
    released_since_eif: int | None  # declared released before the baseline + released since

    @property
    def years_past_deadline(self) -> float | None:
        """How long after the deadline the completion date falls (negative: before), one decimal."""
        if self.completion is None or self.deadline is None:
            return None
        return round((self.completion - self.deadline).days / 365.25, 1)


def extension_figures(
    coalition: Coalition, rows: list[ProgressReport], today: date, deadline: date | None, msp: date | None
) -> Extension:
    start = progress.baseline_month(coalition, rows)
    since = [row for row in rows if start is not None and row.period >= start]
    totals = Totals.of(since)
    latest = progress.latest_period(rows)
    remaining = progress.remaining_at(coalition, rows, latest) if latest else None
    reported_years = sorted({int(row.period[:4]) for row in rows if int(row.period[:4]) < today.year})
    years = [
        YearRelease(
            year,
            sum(row.released for row in rows if row.period.startswith(f"{year:04d}-")),
            [
                (org, missing)
                for org in sorted({row.organisation for row in rows}, key=str.casefold)
                if (missing := missing_months(rows, org, year, today))
            ],
        )
        for year in reported_years[-AVERAGE_YEARS:]
    ]
    average = sum(y.released for y in years) / len(years) if years else None
    years_needed = round(remaining / average, 1) if remaining is not None and average else None
    completion = None
    if years_needed is not None and latest is not None:
        after = progress.month_index(latest) + 1
        first_day = date(after // 12, after % 12 + 1, 1)
        completion = add_months(datetime.combine(first_day, time()), round(years_needed * 12)).date()
    too_long = (
        completion is not None
        and deadline is not None
        and completion > add_months(datetime.combine(deadline, time()), MAX_EXTENSION_YEARS * 12).date()
    )
    return Extension(
        coalition=coalition,
        baseline=coalition.baseline_m2,
        start=start,
        found=totals.found,
        released=totals,
        remaining=remaining if coalition.baseline_m2 is not None else None,
        years=years,
        average=average,
        years_needed=years_needed,
        completion=completion,
        deadline=deadline,
        too_long=too_long,
        msp=msp,
        submission_due=deadlines.submission_due(msp) if msp else None,
        released_since_eif=(
            coalition.released_before_m2 + totals.released if coalition.released_before_m2 is not None else None
        ),
    )


async def extension(session: AsyncSession, coalition: Coalition, now: datetime) -> Extension:
    deadline = await deadlines.by_article(session, coalition, deadlines.CLEARANCE)
    msp = await deadlines.by_article(session, coalition, deadlines.MSP)
    return extension_figures(
        coalition,
        await operator_reports(session, coalition),
        reports.local_today(coalition.timezone, now),
        deadline.due_on if deadline else None,
        msp.due_on if msp else None,
    )
