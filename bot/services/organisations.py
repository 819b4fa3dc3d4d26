"""Organisations and the confirmed claim to act for one (SPEC §3 "Acting for an organisation").

Each organisation is one row per coalition: its display name is the first spelling used and
`key` (NFKC, casefold, collapsed spaces, computed here so SQLite and PostgreSQL agree) is
what every later spelling is matched on. A member's claim names the organisation by that
display name and counts only once a manager has confirmed it; until then the member acts as
an individual, and each refusal says why (`awaiting`).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models import ArchivedReport, Coalition, Membership, Organisation, Person
from bot.services import upserts
from bot.services.errors import InvalidInput, NotAllowed, NotFound


def key(name: str) -> str:
    """How organisation names compare: NFKC, casefold, collapsed spaces (`npa` is `NPA`)."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


_ADD = upserts.build(
    lambda insert: (
        insert(Organisation.__table__)
        .values(
            coalition_id=bindparam("coalition_id"),
            name=bindparam("name"),
            key=bindparam("key"),
            created_at=bindparam("created_at"),
        )
        .on_conflict_do_nothing(index_elements=["coalition_id", "key"])
    )
)


async def find(session: AsyncSession, coalition: Coalition, spelling: str) -> Organisation | None:
    """The coalition's organisation this spelling names, if there is one."""
    return (
        await session.exec(
            select(Organisation).where(Organisation.coalition_id == coalition.id, Organisation.key == key(spelling))
        )
    ).first()


_LOOK_ALIKE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


def _scripts(word: str) -> set[str]:
    return {
        script
        for char in word
        if char.isalpha()
        for script in _LOOK_ALIKE_SCRIPTS
        if unicodedata.name(char, "").startswith(script)
    }


def require_one_script(name: str) -> None:
    """Refuse a word mixing Latin, Cyrillic and Greek letters: `NРA` with a Cyrillic `Р` looks
    like `NPA` to the manager asked to confirm it, yet is another organisation."""
    if any(len(_scripts(word)) > 1 for word in name.split()):
        raise InvalidInput(
            N_(
                "“{value}” mixes Latin letters with Cyrillic or Greek ones that look alike: type the "
                "organisation's name in one alphabet."
            ),
            value=name,
        )


async def register(session: AsyncSession, coalition: Coalition, spelling: str, now: datetime) -> Organisation:
    """The organisation this spelling names, created with it as its name if it is the first.

    An insert that ignores a conflict, then a read: two members naming a new organisation at
    the same moment get the same row, the first spelling to commit."""
    name = " ".join(spelling.split())
    require_one_script(name)
    await upserts.run(session, _ADD, coalition_id=coalition.id, name=name, key=key(name), created_at=now)
    found = await find(session, coalition, name)
    assert found is not None  # inserted now, or by whoever came first
    return found


async def by_id(session: AsyncSession, coalition_id: int, organisation_id: int) -> Organisation:
    found = await session.get(Organisation, organisation_id)
    if found is None or found.coalition_id != coalition_id:
        raise NotFound(N_("This button is not valid."))
    return found


async def names(session: AsyncSession, coalition: Coalition) -> list[str]:
    """Every organisation of the coalition, by name."""
    rows = await session.exec(
        select(Organisation.name).where(Organisation.coalition_id == coalition.id).order_by(Organisation.key)
    )
    return list(rows.all())


async def by_name(session: AsyncSession, coalition: Coalition) -> dict[str, Organisation]:
    """The coalition's organisations by their name (as memberships and reports store it)."""
    rows = await session.exec(select(Organisation).where(Organisation.coalition_id == coalition.id))
    return {row.name: row for row in rows}


async def archived_reports(session: AsyncSession, coalition: Coalition) -> list[tuple[ArchivedReport, str]]:
    """Reports the merge of spellings set aside, each with the organisation it was merged into."""
    known = {row.key: row.name for row in (await by_name(session, coalition)).values()}
    rows = await session.exec(
        select(ArchivedReport)
        .where(ArchivedReport.coalition_id == coalition.id)
        .order_by(ArchivedReport.period, ArchivedReport.id)
    )
    return [(row, known.get(key(row.organisation), row.organisation)) for row in rows]


def is_confirmed(record: Membership) -> bool:
    return record.organisation is not None and record.organisation_confirmed_at is not None


def claim(record: Membership, organisation: Organisation) -> bool:
    """The member now claims `organisation`. Another organisation than the one claimed
    before waits for a manager: the old one's rights end now. True if the claim changed."""
    if record.organisation == organisation.name:
        return False
    record.organisation = organisation.name
    record.organisation_confirmed_at, record.organisation_confirmed_by = None, None
    return True


def confirm(record: Membership, by: Person | None, now: datetime) -> None:
    """A manager (`by`), or a Telegram administrator, confirms the member's claim."""
    if record.organisation is not None and record.organisation_confirmed_at is None:
        record.organisation_confirmed_at = now
        record.organisation_confirmed_by = by.id if by is not None else None


def require_not_own(record: Membership, by: Person | None) -> None:
    """Nobody confirms their own claim: another manager or a Telegram administrator does."""
    if by is not None and record.person_id == by.id and not is_confirmed(record) and record.organisation:
        raise NotAllowed(
            N_(
                "You cannot confirm your own organisation ({organisation}): another manager or an "
                "administrator of the group must."
            ),
            organisation=record.organisation,
        )


def revoke(record: Membership) -> None:
    """The member no longer acts for their organisation (nor claims it)."""
    record.organisation = None
    record.organisation_confirmed_at, record.organisation_confirmed_by = None, None


def awaiting(record: Membership | None) -> str | None:
    """The organisation this member claims but may not act for yet (None: nothing awaits)."""
    if record is None or record.organisation is None or record.organisation_confirmed_at is not None:
        return None
    return record.organisation


def refuse_unconfirmed(record: Membership | None, message: str, **params: object) -> None:
    """Refuse, saying why, what an unconfirmed claimant tried: `message` (`N_`) names the
    organisation as `{organisation}`. Nothing is raised when no claim awaits confirmation."""
    organisation = awaiting(record)
    if organisation is not None:
        raise NotAllowed(message, organisation=organisation, **params)
