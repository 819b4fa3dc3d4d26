"""What the web pages show, read through the other services (SPEC §15).

Three readers, three levels of detail:

* a **member** (or a manager, Telegram admins of the group included) sees the coalition's
  dashboard: the next meeting with its RSVP counts, open action points by owner, treaty
  deadlines with the on-track verdict, the progress; managers also see who is unreachable;
* **anyone** sees a coalition's public page once it is published: aggregated figures only,
  built from a separate type (`PublicFigures`) that has no field able to hold a name, a
  username, an id or a text written by a member;
* a **network viewer** (`NETWORK_VIEWERS`) sees one line per coalition that opted in.

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
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_, SUPPORTED
from bot.models import Coalition, Meeting, Person, ProgressReport, TreatyDeadline
from bot.services import actions, deadlines, meetings, members, progress, reports
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


async def coalitions_of(session: AsyncSession, tg_user_id: int) -> list[tuple[Coalition, Member]]:
    """The coalitions the person is an active member of, by country."""
    person = await members.person_by_user(session, tg_user_id)
    if person is None:
        return []
    rows = await members.coalitions_of(session, person)
    return sorted(
        ((c, Member(m, person)) for c, m in rows if m.role is not None), key=lambda pair: pair[0].country.casefold()
    )


async def access(session: AsyncSession, tg_user_id: int, coalition: Coalition, is_admin: IsAdmin) -> Access | None:
    """May this person read this coalition's dashboard? Members may; managers and admins manage."""
    person = await members.person_by_user(session, tg_user_id)
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
class Dashboard:
    coalition: Coalition
    manager: bool
    next_meeting: NextMeeting | None
    owners: list[OwnerGroup]
    deadlines: list[Deadline]
    progress: progress.Progress | None
    unreachable: list[Member]  # filled for managers only


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
    seen = await progress.progress(session, coalition, None)
    unreachable = (
        [m for m in await members.members(session, coalition) if m.is_active and m.person.unreachable]
        if reader.manager
        else []
    )
    return Dashboard(
        coalition=coalition,
        manager=reader.manager,
        next_meeting=next_meeting,
        owners=_by_owner(items),
        deadlines=_deadlines(coalition, await deadlines.deadlines_of(session, coalition), seen and seen.outlook),
        progress=seen,
        unreachable=unreachable,
    )


# The public page --------------------------------------------------------------------------


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
class PublicFigures:
    """Aggregates only: nothing here can carry a person, an organisation's text or an id."""

    country: str
    languages: tuple[str, ...]
    timezone: str
    release_by_year: list[YearRelease]
    baseline: int | None
    released: int
    remaining: int | None
    monthly: list[tuple[str, int]]  # area released per month, for the chart
    clearance_deadline: date | None
    deadlines: list[Deadline]
    meetings_per_year: list[tuple[int, int]]


def _release_by_year(rows: list[ProgressReport]) -> list[YearRelease]:
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        figures = sums[int(row.period[:4])]
        figures[0] += row.cancelled
        figures[1] += row.reduced
        figures[2] += row.cleared
    return [YearRelease(year, *sums[year]) for year in sorted(sums)]


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
    rows = await reports.reports_of(session, coalition)
    period = progress.latest_period(rows)
    seen = progress.compute(coalition, rows, period, None) if period else None
    clearance = await deadlines.by_article(session, coalition, deadlines.CLEARANCE)
    outlook = (
        progress.outlook(coalition.baseline_m2, clearance.due_on if clearance else None, period, seen.monthly)
        if seen
        else None
    )
    released = outlook.released if outlook else 0
    return PublicFigures(
        country=coalition.country,
        languages=tuple(coalition.language_list),
        timezone=coalition.timezone,
        release_by_year=_release_by_year(rows),
        baseline=coalition.baseline_m2,
        released=released,
        remaining=None if coalition.baseline_m2 is None else max(coalition.baseline_m2 - released, 0),
        monthly=seen.monthly if seen else [],
        clearance_deadline=clearance.due_on if clearance else None,
        deadlines=_deadlines(coalition, await deadlines.deadlines_of(session, coalition), outlook),
        meetings_per_year=await _meetings_held(session, coalition, now),
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
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "coalition"


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
        seen = await progress.progress(session, coalition, None)
        lines.append(
            NetworkLine(
                coalition,
                last,
                upcoming[0] if upcoming else None,
                cadence_holds(coalition, last, upcoming[0] if upcoming else None, now),
                _deadlines(coalition, await deadlines.deadlines_of(session, coalition), seen and seen.outlook),
            )
        )
    return lines
