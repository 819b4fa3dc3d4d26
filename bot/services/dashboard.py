"""What the web pages show, read through the other services (SPEC §15).

Three readers, three levels of detail:

* a **member** (or a manager, Telegram admins of the group included) sees the coalition's
  dashboard: the next meeting with its RSVP counts, open action points by owner, treaty
  deadlines with the on-track verdict, the progress; managers also see who is unreachable;
* **anyone** sees a coalition's public page once it is published: aggregated figures only,
  built from a separate type (`PublicFigures`) that has no field able to hold a name, a
  username, an id or a text written by a member (a need's title aside: SPEC §15 publishes
  "needs funded versus gap by need title"; its pledges, donors and notes are never copied);
* a **network viewer** (`NETWORK_VIEWERS`) sees one line per coalition that opted in,
  its funding gap per currency included.

Concerns are never read here.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_, SUPPORTED
from bot.models import Coalition, Meeting, Person, ProgressReport, TreatyDeadline
from bot.services import actions, deadlines, group_admins, meetings, members, progress
from bot.services import needs as need_service
from bot.services.errors import NotAllowed
from bot.services.members import Member
from bot.services.roles import AUTHORITY
from bot.services.watchdogs import add_months

IsAdmin = Callable[[Coalition], Awaitable[bool]]
"""Whether the reader is a Telegram administrator of the coalition's group (cached lookup)."""


# Who may read what ----------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """One coalition a reader may open, and whether they manage it."""

    coalition: Coalition
    member: Member | None  # None: a Telegram admin of the group who never joined
    manager: bool


async def coalitions_of(session: AsyncSession, person: Person | None, tg_user_id: int | None = None) -> list[Coalition]:
    """The coalitions the person is an active member of, by country, then those whose group
    `tg_user_id` administered when the bot last looked (a Telegram administrator who never
    joined sees theirs too, SPEC §15; `access` confirms each with Telegram's current list)."""
    mine = [c for c, _ in await members.coalitions_of(session, person)] if person else []
    if tg_user_id is not None:
        known = {c.id for c in mine}
        mine += [c for c in await group_admins.administered_by(session, tg_user_id) if c.id not in known]
    return mine


async def access(
    session: AsyncSession, person: Person | None, coalition: Coalition, is_admin: IsAdmin
) -> Access | None:
    """May this person read this coalition's dashboard? Members may; managers and admins manage."""
    membership = await members.membership(session, coalition, person) if person else None
    member = Member(membership, person) if membership is not None and membership.role is not None else None
    if member is not None and member.is_manager:
        return Access(coalition, member, True)
    admin = await is_admin(coalition)
    if member is None and not admin:
        return None
    return Access(coalition, member, admin)


async def by_id(session: AsyncSession, coalition_id: int) -> Coalition | None:
    return await session.get(Coalition, coalition_id)


# The members' dashboard -----------------------------------------------------------------


@dataclass(frozen=True)
class NextMeeting:
    meeting: Meeting
    counts: Counter[str]


@dataclass(frozen=True)
class OwnerGroup:
    """Open action points of one owner, in the order the owner first appears."""

    kind: str  # member | organisation | role
    person: Person | None
    name: str
    items: list[actions.Item]


@dataclass(frozen=True)
class Deadline:
    article: str
    due_on: date
    moment: datetime  # the start of its day in the coalition's timezone
    on_track: bool | None  # the Article 4 verdict of `/progress`; None when unknown


@dataclass(frozen=True)
class YearRelease:
    year: int
    cancelled: int
    reduced: int
    cleared: int

    @property
    def released(self) -> int:
        return self.cancelled + self.reduced + self.cleared


@dataclass(frozen=True)
class Land:
    """Land release summed per month in the database (a page never loads every report)."""

    monthly: list[tuple[str, int]]  # every month from the first report to the last, gaps as 0
    by_year: list[YearRelease]
    outlook: progress.Outlook | None  # as `/progress` computes it; None without a report
    deadlines: list[Deadline]
    clearance_deadline: date | None


async def land(session: AsyncSession, coalition: Coalition) -> Land:
    rows = (
        await session.exec(
            select(
                ProgressReport.period,
                func.sum(ProgressReport.cancelled),
                func.sum(ProgressReport.reduced),
                func.sum(ProgressReport.cleared),
                func.sum(ProgressReport.found),
            )
            .where(ProgressReport.coalition_id == coalition.id)
            .group_by(ProgressReport.period)
            .order_by(ProgressReport.period)
        )
    ).all()
    by_month = {period: int(c) + int(r) + int(k) for period, c, r, k, _ in rows}
    found = {period: int(f) for period, *_, f in rows}
    years: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for period, *figures, _ in rows:
        totals = years[int(period[:4])]
        for i, value in enumerate(figures):
            totals[i] += int(value)
    rules = await deadlines.deadlines_of(session, coalition)
    clearance = next((d.due_on for d in rules if d.article == deadlines.CLEARANCE), None)
    monthly, outlook = [], None
    if rows:
        first, last = progress.month_index(rows[0][0]), progress.month_index(rows[-1][0])
        monthly = [(progress.period_of(i), by_month.get(progress.period_of(i), 0)) for i in range(first, last + 1)]
        # the outlook counts from the baseline month, newly identified area included (SPEC §14)
        start = progress.month_index(coalition.baseline_period or rows[0][0])
        since = [progress.period_of(i) for i in range(start, last + 1)]
        months = [progress.Month(p, by_month.get(p, 0), found.get(p, 0)) for p in since]
        outlook = progress.outlook(coalition.baseline_m2, clearance, rows[-1][0], months)
    return Land(
        monthly=monthly,
        by_year=[YearRelease(year, *years[year]) for year in sorted(years)],
        outlook=outlook,
        deadlines=_deadlines(coalition, rules, outlook),
        clearance_deadline=clearance,
    )


@dataclass(frozen=True)
class Dashboard:
    coalition: Coalition
    manager: bool
    next_meeting: NextMeeting | None
    owners: list[OwnerGroup]
    land: Land
    unreachable: list[Member]  # filled for managers only
    needs: list[need_service.NeedTotals]  # open needs by priority, as `/needs` lists them
    gaps: dict[str, int]  # the coalition's total gap per currency


def _by_owner(items: list[actions.Item]) -> list[OwnerGroup]:
    groups: dict[tuple, list[actions.Item]] = defaultdict(list)
    for item in items:
        a = item.action
        groups[(a.owner_kind, a.owner_person_id, a.owner_name.casefold())].append(item)
    return [OwnerGroup(g[0].action.owner_kind, g[0].owner, g[0].action.owner_name, g) for g in groups.values()]


def _deadlines(coalition: Coalition, rows: list[TreatyDeadline], outlook: progress.Outlook | None) -> list[Deadline]:
    return [
        Deadline(
            d.article,
            d.due_on,
            deadlines.deadline_moment(coalition, d.due_on),
            outlook.on_track if outlook is not None and d.article == deadlines.CLEARANCE else None,
        )
        for d in rows
    ]


async def dashboard(session: AsyncSession, reader: Access, now: datetime) -> Dashboard:
    coalition = reader.coalition
    upcoming = await meetings.upcoming(session, coalition, now)
    next_meeting = NextMeeting(upcoming[0], await meetings.counts(session, upcoming[0])) if upcoming else None
    items = await actions.select_items(session, coalition, [], reader.member, now)
    unreachable = (
        [m for m in await members.members(session, coalition) if m.is_active and m.person.unreachable]
        if reader.manager
        else []
    )
    funding = await need_service.totals(session, coalition)
    return Dashboard(
        coalition=coalition,
        manager=reader.manager,
        next_meeting=next_meeting,
        owners=_by_owner(items),
        land=await land(session, coalition),
        unreachable=unreachable,
        needs=funding,
        gaps=need_service.gap_by_currency(funding),
    )


# The public page --------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicNeed:
    """One open need as the public sees it: its title and sums, never a pledge or a donor."""

    title: str
    priority: str
    currency: str | None  # None: a need in kind, which has no sums
    amount: int | None
    pledged: int
    disbursed: int
    gap: int | None
    surplus: int

    @classmethod
    def of(cls, item: need_service.NeedTotals) -> PublicNeed:
        return cls(
            item.title, item.priority, item.currency, item.amount, item.pledged, item.disbursed, item.gap, item.surplus
        )


@dataclass(frozen=True)
class PublicFigures:
    """Aggregates only: nothing here can carry a person, an organisation's text or an id."""

    country: str
    languages: tuple[str, ...]
    timezone: str
    land: Land
    baseline: int | None
    meetings_per_year: list[tuple[int, int]]
    needs: list[PublicNeed]
    gaps: dict[str, int]

    @property
    def released(self) -> int:
        return self.land.outlook.released if self.land.outlook else 0

    @property
    def remaining(self) -> int | None:
        """Baseline + found − released from the baseline month, as `/progress` says it."""
        return self.land.outlook.remaining if self.land.outlook else self.baseline


async def _meetings_held(session: AsyncSession, coalition: Coalition, now: datetime) -> list[tuple[int, int]]:
    rows = await session.exec(
        select(Meeting.starts_at).where(
            Meeting.coalition_id == coalition.id, Meeting.cancelled.is_(False), Meeting.starts_at <= now
        )
    )
    zone = ZoneInfo(coalition.timezone)
    per_year = Counter(moment.astimezone(zone).year for moment in rows)
    return sorted(per_year.items())


async def public_figures(session: AsyncSession, coalition: Coalition, now: datetime) -> PublicFigures:
    funding = await need_service.totals(session, coalition)
    return PublicFigures(
        country=coalition.country,
        languages=tuple(coalition.language_list),
        timezone=coalition.timezone,
        land=await land(session, coalition),
        baseline=coalition.baseline_m2,
        meetings_per_year=await _meetings_held(session, coalition, now),
        needs=[PublicNeed.of(item) for item in funding],
        gaps=need_service.gap_by_currency(funding),
    )


async def published(session: AsyncSession, slug: str) -> Coalition | None:
    return (
        await session.exec(select(Coalition).where(Coalition.public_slug == slug, Coalition.public.is_(True)))
    ).first()


@cache
def _english_names() -> dict[str, str]:
    """Country names as en/fr/ar readers write them (casefolded) → the English name."""
    english = Locale.parse("en").territories
    names: dict[str, str] = {}
    for code in SUPPORTED:
        for territory, name in Locale.parse(code).territories.items():
            if territory.isalpha() and territory in english:
                names.setdefault(name.casefold(), english[territory])
    return names


def slug_base(country: str) -> str:
    """`Lebanon`, `Liban`, `لبنان` → `lebanon`; `Lao PDR` → `lao-pdr`; never empty."""
    name = _english_names().get(" ".join(country.split()).casefold(), country)
    letters = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    ascii_name = re.sub(r"[\W_]+", "-", letters.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"-+", "-", ascii_name).strip("-") or "coalition"


async def _free_slug(session: AsyncSession, base: str) -> str:
    taken = set(
        await session.exec(
            select(Coalition.public_slug).where(
                (Coalition.public_slug == base) | Coalition.public_slug.like(f"{base}-%")
            )
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def may_publish(member: Member | None, admin: bool) -> bool:
    """`/settings public on` and `/settings network on`: the national authority or a group admin."""
    return admin or (member is not None and member.membership.role in AUTHORITY)


async def set_public(session: AsyncSession, coalition: Coalition, on: bool, member: Member | None, admin: bool) -> None:
    """Publish (the slug is chosen once, at the first publication) or unpublish at once."""
    if on and not may_publish(member, admin):
        raise NotAllowed(N_("Only the national authority or a group administrator may publish the public page."))
    if on and coalition.public_slug is None:
        coalition.public_slug = await _free_slug(session, slug_base(coalition.country))
    coalition.public = on
    session.add(coalition)
    await session.flush()


async def set_network(
    session: AsyncSession, coalition: Coalition, on: bool, member: Member | None, admin: bool
) -> None:
    if on and not may_publish(member, admin):
        raise NotAllowed(N_("Only the national authority or a group administrator may join the network view."))
    coalition.network = on
    session.add(coalition)
    await session.flush()


async def authorities(session: AsyncSession, coalition: Coalition) -> list[Member]:
    """Who is told when a manager switches the public page off."""
    return [m for m in await members.members(session, coalition) if m.membership.role in AUTHORITY]


# The network view -------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkLine:
    coalition: Coalition
    last_meeting: Meeting | None
    next_meeting: Meeting | None
    cadence_holds: bool
    deadlines: list[Deadline]
    gaps: dict[str, int]  # the coalition's funding gap per currency


def cadence_holds(coalition: Coalition, last: Meeting | None, upcoming: Meeting | None, now: datetime) -> bool:
    """The next meeting (or, without one, today) falls within the cadence after the last one."""
    if last is None:
        return upcoming is not None
    limit = add_months(last.starts_at, coalition.cadence_months)
    return (upcoming.starts_at if upcoming else now) <= limit


async def network(session: AsyncSession, now: datetime) -> list[NetworkLine]:
    rows = await session.exec(select(Coalition).where(Coalition.network.is_(True)).order_by(Coalition.country))
    lines = []
    for coalition in rows.all():
        last = await meetings.last_held(session, coalition.id, now)
        upcoming = (await meetings.upcoming(session, coalition, now))[:1]
        lines.append(
            NetworkLine(
                coalition,
                last,
                upcoming[0] if upcoming else None,
                cadence_holds(coalition, last, upcoming[0] if upcoming else None, now),
                (await land(session, coalition)).deadlines,
                need_service.gap_by_currency(await need_service.totals(session, coalition)),
            )
        )
    return lines
