"""CSV export of one coalition (SPEC §2, §9): `/export` in a private chat and
`coalition-bot export --chat CHAT_ID --out DIR`.

Files are UTF-8 with a byte order mark, so spreadsheet programs open Arabic names
correctly; headers are stable English keys (they are column names for other programs, not
prose); times are ISO 8601 in the coalition's timezone with their UTC offset. Text typed by
members that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) is prefixed with `'`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Coalition, Meeting, Membership, Person, Rsvp
from bot.services import coalitions, members, needs, reports
from bot.services.money import Money
from bot.store.database import Database

try:  # action points are another area's tables: exported when that area is installed
    from bot.models.actions import ActionPoint, ActionUpdate
except ImportError:  # pragma: no cover - depends on which areas are installed
    ActionPoint = ActionUpdate = None

ENCODING = "utf-8-sig"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvFile:
    name: str
    content: bytes
    rows: int


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value


def csv_file(name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> CsvFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        count += 1
    return CsvFile(name, buffer.getvalue().encode(ENCODING), count)


class _Clock:
    """Times as ISO 8601 in the coalition's timezone."""

    def __init__(self, coalition: Coalition) -> None:
        self.zone = ZoneInfo(coalition.timezone)

    def __call__(self, moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(self.zone).isoformat(timespec="minutes")


async def _people(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, Person]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {p.id: p for p in await session.exec(select(Person).where(Person.id.in_(sorted(wanted))))}


def _name(people: dict[int, Person], person_id: int | None) -> str:
    person = people.get(person_id) if person_id is not None else None
    return person.full_name if person is not None else ""


async def _members(session: AsyncSession, coalition: Coalition, when: _Clock) -> CsvFile:
    listing = await members.members(session, coalition)
    return csv_file(
        "members.csv",
        [
            "name",
            "username",
            "role",
            "pending_role",
            "organisation",
            "organisation_confirmed_at",
            "joined_at",
            "left_at",
            "private_messages",
            "unreachable",
        ],
        (
            [
                p.full_name,
                p.username,
                m.role,
                m.pending_role,
                m.organisation,
                when(m.organisation_confirmed_at),
                when(m.joined_at),
                when(m.left_at),
                p.can_message,
                p.unreachable,
            ]
            for m, p in ((member.membership, member.person) for member in listing)
        ),
    )


async def _meetings(session: AsyncSession, coalition: Coalition, when: _Clock) -> tuple[CsvFile, CsvFile]:
    meetings = list(
        await session.exec(select(Meeting).where(Meeting.coalition_id == coalition.id).order_by(Meeting.number))
    )
    meeting_file = csv_file(
        "meetings.csv",
        ["meeting", "title", "location", "starts_at", "cancelled", "created_at"],
        ([f"M{m.number}", m.title, m.location, when(m.starts_at), m.cancelled, when(m.created_at)] for m in meetings),
    )
    numbers = {m.id: m.number for m in meetings}
    rsvps = await session.exec(
        select(Rsvp, Person, Membership.organisation)
        .join(Person, Person.id == Rsvp.person_id)
        .outerjoin(Membership, (Membership.person_id == Person.id) & (Membership.coalition_id == coalition.id))
        .where(Rsvp.meeting_id.in_(list(numbers)))
        .order_by(Rsvp.meeting_id, Rsvp.answered_at)
    )
    rsvp_file = csv_file(
        "rsvps.csv",
        ["meeting", "name", "username", "organisation", "answer", "answered_at"],
        (
            [f"M{numbers[r.meeting_id]}", p.full_name, p.username, org, r.answer, when(r.answered_at)]
            for r, p, org in rsvps
        ),
    )
    return meeting_file, rsvp_file


async def _actions(session: AsyncSession, coalition: Coalition, when: _Clock) -> list[CsvFile]:
    if ActionPoint is None:
        return []
    points = list(
        await session.exec(
            select(ActionPoint).where(ActionPoint.coalition_id == coalition.id).order_by(ActionPoint.number)
        )
    )
    numbers = {a.id: a.number for a in points}
    updates = list(
        await session.exec(
            select(ActionUpdate)
            .where(ActionUpdate.action_id.in_(list(numbers)))
            .order_by(ActionUpdate.action_id, ActionUpdate.at)
        )
    )
    people = await _people(
        session,
        [a.owner_person_id for a in points] + [a.created_by_id for a in points] + [u.author_id for u in updates],
    )
    point_file = csv_file(
        "action_points.csv",
        [
            "action_point",
            "text",
            "owner_kind",
            "owner",
            "due_on",
            "status",
            "percent",
            "created_by",
            "created_at",
            "updated_at",
        ],
        (
            [
                f"AP{a.number}",
                a.text,
                a.owner_kind,
                _name(people, a.owner_person_id) if a.owner_kind == "member" else a.owner_name,
                a.due_on.isoformat() if a.due_on else "",
                a.status,
                a.percent,
                _name(people, a.created_by_id),
                when(a.created_at),
                when(a.updated_at),
            ]
            for a in points
        ),
    )
    update_file = csv_file(
        "action_updates.csv",
        ["action_point", "at", "author", "status", "percent", "text", "comment"],
        (
            [
                f"AP{numbers[u.action_id]}",
                when(u.at),
                _name(people, u.author_id),
                u.status,
                u.percent,
                u.text,
                u.comment,
            ]
            for u in updates
        ),
    )
    return [point_file, update_file]


async def _reports(session: AsyncSession, coalition: Coalition, when: _Clock) -> CsvFile:
    rows = await reports.reports_of(session, coalition)
    people = await _people(session, [r.reported_by for r in rows])
    return csv_file(
        "reports.csv",
        ["period", "organisation", *reports.FIELDS, "released", "reported_by", "reported_at"],
        (
            [
                r.period,
                r.organisation,
                *(getattr(r, f) for f in reports.FIELDS),
                r.released,
                _name(people, r.reported_by),
                when(r.reported_at),
            ]
            for r in rows
        ),
    )


def _major(minor: int | None, currency: str | None) -> str:
    """Minor units as a plain decimal number in major units (`450000`, `1250.50`), for spreadsheets."""
    if minor is None or currency is None:
        return ""
    value = Money(minor, currency).value
    return str(int(value)) if value == value.to_integral_value() else str(value)


async def _needs(session: AsyncSession, coalition: Coalition, when: _Clock) -> tuple[CsvFile, CsvFile]:
    items = sorted(await needs.totals(session, coalition, include_closed=True), key=lambda t: t.number)
    pledges = [(item, p) for item in items for p in item.pledges]
    people = await _people(session, [i.need.created_by for i in items] + [p.recorded_by for _, p in pledges])
    need_file = csv_file(
        "needs.csv",
        ["need", "title", "amount", "currency", "pledged", "committed", "disbursed", "gap", "surplus",
         "pledged_other_currencies", "priority", "by", "created_by", "created_at", "closed_at"],
        (
            [
                f"N{i.number}",
                i.title,
                _major(i.amount, i.currency),
                i.currency,
                *(_major(v, i.currency) if i.amount is not None else "" for v in (i.pledged, i.committed, i.disbursed)),
                _major(i.gap, i.currency),
                _major(i.surplus, i.currency) if i.amount is not None else "",
                " ".join(f"{_major(v, c)} {c}" for c, v in i.others.items()),
                i.priority,
                i.need.due_month,
                _name(people, i.need.created_by),
                when(i.need.created_at),
                when(i.need.closed_at),
            ]
            for i in items
        ),
    )  # fmt: skip
    pledge_file = csv_file(
        "pledges.csv",
        ["pledge", "need", "organisation", "amount", "currency", "in_kind", "state", "disbursed", "by", "note",
         "withdrawn_reason", "recorded_by", "confirmed_at", "pledged_at", "committed_at", "disbursed_at",
         "withdrawn_at"],
        (
            [
                f"PL{p.number}",
                f"N{i.number}",
                p.organisation,
                _major(p.amount, p.currency),
                p.currency,
                p.in_kind,
                p.state,
                _major(p.disbursed, p.currency),
                p.by_date.isoformat() if p.by_date else "",
                p.note,
                p.reason,
                _name(people, p.recorded_by),
                when(p.confirmed_at),
                when(p.pledged_at),
                when(p.committed_at),
                when(p.disbursed_at),
                when(p.withdrawn_at),
            ]
            for i, p in sorted(pledges, key=lambda pair: pair[1].number)
        ),
    )  # fmt: skip
    return need_file, pledge_file


async def export(session: AsyncSession, coalition: Coalition) -> list[CsvFile]:
    """Every CSV file of one coalition, in a fixed order."""
    when = _Clock(coalition)
    meetings, rsvps = await _meetings(session, coalition, when)
    return [
        await _members(session, coalition, when),
        meetings,
        rsvps,
        *await _actions(session, coalition, when),
        *await _needs(session, coalition, when),
        await _reports(session, coalition, when),
    ]


async def export_to_directory(database_url: str, chat_id: int, out: Path) -> list[Path]:
    """`coalition-bot export`: write the coalition's files into `out`; LookupError if no coalition."""
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            coalition = await coalitions.by_chat(session, chat_id)
            if coalition is None:
                raise LookupError(chat_id)
            files = await export(session, coalition)
    finally:
        await db.dispose()
    out.mkdir(parents=True, exist_ok=True)
    for item in files:
        (out / item.name).write_bytes(item.content)
    return [out / item.name for item in files]
