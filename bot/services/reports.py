"""Operators' monthly progress reports (SPEC §9).

`/report period=2027-03 cancelled=120000 …` is parsed whole before anything is stored: a
bad number, a negative value, an unknown or repeated key, a future period all refuse the
report with the field named. Who may file for which organisation is decided here too:
operators for their own organisation, managers for any operator with `org=`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models import Coalition, Membership, Person, ProgressReport
from bot.services import organisations, parsing
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.members import Member
from bot.services.parsing import western_digits

FIELDS: tuple[str, ...] = (
    "cancelled",
    "reduced",
    "cleared",
    "cmr",
    "submunitions",
    "re_sessions",
    "re_people",
    "found",
)
"""The figures of a report, in the order they are asked and shown (`found`, added by SPEC §14, last)."""
KEYS: tuple[str, ...] = ("period", *FIELDS, "org")
MAX_FIGURE = 10**12
"""Far above any real figure (Lebanon is 1.0e10 m²): a larger one is a typing slip."""
FIRST_YEAR = 2000
MINUS_SIGNS = "-\u2212\u2010\u2011\u2013\u2014"
_KEY = re.compile(r"([^\s=]+)\s*=")
_PERIOD = re.compile(r"^(\d{4})-(\d{1,2})$")
_DIGIT_GROUPS = re.compile(r"\D+")
OPERATOR = "operator"


@dataclass(frozen=True)
class ReportDraft:
    """A parsed, valid report not yet stored: the period, the figures given, and `org=` if any."""

    period: str
    figures: dict[str, int] = field(default_factory=dict)
    organisation: str | None = None

    def value(self, name: str) -> int:
        return self.figures.get(name, 0)


def local_today(timezone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def parse_period(value: str, today: date) -> str:
    """`YYYY-MM` (Arabic-Indic digits too), not before 2000 and not after the current month."""
    match = _PERIOD.match(western_digits(value).strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise InvalidInput(N_("“{value}” is not a period: use YYYY-MM, e.g. 2027-03."), value=value)
    year, month = int(match[1]), int(match[2])
    period = f"{year:04d}-{month:02d}"
    if year < FIRST_YEAR:
        raise InvalidInput(
            N_("The period {value} is too early: reports start in {year}."), value=period, year=FIRST_YEAR
        )
    check_not_future(period, today)
    return period


def check_not_future(period: str, today: date) -> None:
    if period > f"{today.year:04d}-{today.month:02d}":
        raise InvalidInput(N_("The period {value} is in the future: report a month that has begun."), value=period)


def parse_figure(name: str, value: str) -> int:
    """A whole, non-negative number with the thousands separators of any locale."""
    text = value.strip()
    if text[:1] in MINUS_SIGNS and text[1:].strip():
        raise InvalidInput(N_("{field} cannot be negative (“{value}”)."), field=name, value=value)
    try:
        amount = parsing.parse_amount(text, name)
    except InvalidInput:
        amount = None
    # after the first, digit groups have three digits: `1,5` or `1.25` is a decimal, not 15 or 125
    if amount is None or any(len(group) != 3 for group in _DIGIT_GROUPS.split(text)[1:]):
        raise InvalidInput(N_("“{value}” is not a whole number for {field}."), value=value, field=name)
    if amount > MAX_FIGURE:
        raise InvalidInput(N_("{value} is too large for {field}."), value=value, field=name)
    return amount


def _pairs(text: str) -> list[tuple[str, str]]:
    """`key=value` pairs; a value runs to the next key, so `120 000` and `org=HALO Trust` work."""
    matches = list(_KEY.finditer(text))
    head = text[: matches[0].start()] if matches else text
    if head.strip():
        raise InvalidInput(
            N_("“{value}” is not a key=value pair. Example: period=2027-03 cleared=38000."), value=head.strip()[:40]
        )
    return [
        (match[1].lower(), text[match.end() : matches[i + 1].start() if i + 1 < len(matches) else len(text)].strip())
        for i, match in enumerate(matches)
    ]


def parse_report(text: str, today: date) -> ReportDraft:
    """The whole `/report` argument text, validated; the first problem found is raised."""
    period, organisation, figures = None, None, {}
    seen: set[str] = set()
    for key, value in _pairs(text):
        if key not in KEYS:
            raise InvalidInput(N_("Unknown field “{value}”. Fields: {keys}."), value=key, keys=tuple(KEYS))
        if key in seen:
            raise InvalidInput(N_("The field {field} is given twice."), field=key)
        seen.add(key)
        if key == "period":
            period = parse_period(value, today)
        elif key == "org":
            organisation = " ".join(value.split()) or None
            if organisation is None:
                raise InvalidInput(N_("Give the organisation after org=."))
        else:
            figures[key] = parse_figure(key, value)
    if period is None:
        raise InvalidInput(N_("Give the period: period=YYYY-MM, e.g. period=2027-03."))
    if not figures:
        raise InvalidInput(N_("Give at least one figure, e.g. cleared=38000."))
    return ReportDraft(period, figures, organisation)


async def _known_organisations(session: AsyncSession, coalition: Coalition) -> list[str]:
    """Organisations a manager may report for: those operators claim (spelled as the coalition
    first spelled them, SPEC §3) and those that reported before."""
    operators = await session.exec(
        select(Membership.organisation).where(
            Membership.coalition_id == coalition.id, Membership.role == OPERATOR, Membership.organisation.is_not(None)
        )
    )
    reported = await session.exec(
        select(ProgressReport.organisation).where(ProgressReport.coalition_id == coalition.id)
    )
    return sorted({*operators.all(), *reported.all()}, key=str.casefold)


async def organisation_for(
    session: AsyncSession, coalition: Coalition, member: Member | None, manager: bool, requested: str | None
) -> str:
    """The organisation a report is filed for, or the refusal that explains who may file.

    An operator files for the organisation a manager confirmed they act for; one whose claim
    awaits confirmation is told so (SPEC §3). Names match as organisations do (`npa` is `NPA`)."""
    operator = member is not None and member.membership.role == OPERATOR
    own = member.acting_organisation if operator else None
    if requested is not None:
        if own is not None and organisations.key(own) == organisations.key(requested):
            return own
        if not manager:
            if operator and member.awaiting_organisation is not None:
                _refuse_unconfirmed(member)
            raise NotAllowed(N_("Only managers may report for another organisation."))
        known = await _known_organisations(session, coalition)
        match = next((org for org in known if organisations.key(org) == organisations.key(requested)), None)
        if match is None:
            raise NotFound(
                N_("No operator “{value}” in this coalition. Operators: {names}."),
                value=requested,
                names=tuple(known) or "—",
            )
        return match
    if operator:
        if own is None:
            _refuse_unconfirmed(member)
            raise InvalidInput(N_("Your organisation is not set: send /join operator <organisation> in the group."))
        return own
    if manager:
        raise InvalidInput(N_("Name the operator you report for: org=<organisation>."))
    raise NotAllowed(N_("Only operators can file progress reports (managers for them with org=)."))


def _refuse_unconfirmed(member: Member) -> None:
    organisations.refuse_unconfirmed(
        member.membership,
        N_(
            "Your claim to act for {organisation} awaits a manager's confirmation: until then you cannot file "
            "or replace its figures."
        ),
    )


async def existing(
    session: AsyncSession, coalition: Coalition, organisation: str, period: str
) -> ProgressReport | None:
    return (
        await session.exec(
            select(ProgressReport).where(
                ProgressReport.coalition_id == coalition.id,
                ProgressReport.organisation == organisation,
                ProgressReport.period == period,
            )
        )
    ).first()


async def file(
    session: AsyncSession,
    coalition: Coalition,
    organisation: str,
    draft: ReportDraft,
    person: Person | None,
    now: datetime,
    replace: bool = False,
) -> ProgressReport | None:
    """Store the report whole; None (nothing stored) when the period is already reported and
    `replace` is not given. A replacement takes every figure from the new report."""
    check_not_future(draft.period, local_today(coalition.timezone, now))
    report = await existing(session, coalition, organisation, draft.period)
    if report is not None and not replace:
        return None
    report = report or ProgressReport(
        coalition_id=coalition.id, organisation=organisation, period=draft.period, reported_at=now
    )
    for name in FIELDS:
        setattr(report, name, draft.value(name))
    report.reported_by = person.id if person is not None else None
    report.reported_at = now
    try:
        async with session.begin_nested():
            session.add(report)
    except IntegrityError:  # the same period filed a moment ago by someone else
        return None
    return report


async def reports_of(session: AsyncSession, coalition: Coalition) -> list[ProgressReport]:
    rows = await session.exec(
        select(ProgressReport)
        .where(ProgressReport.coalition_id == coalition.id)
        .order_by(ProgressReport.period, ProgressReport.organisation)
    )
    return list(rows)
