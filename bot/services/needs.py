"""Resource mobilisation (SPEC §13): needs, pledges, their steps and the funding gap.

The arithmetic, per need, counting only pledges that are not withdrawn:

* *pledged* = the pledges' amounts **in the need's currency**; *committed* = those of them
  committed or disbursed (tranches included); *disbursed* = their tranches. So
  disbursed ⊆ committed ⊆ pledged, cumulatively.
* *gap* = amount − pledged, never below 0; *surplus* = pledged − amount when above it.
* Pledges in another currency and in kind are listed ("also pledged"), never subtracted:
  no exchange rate is invented. A need in kind (no amount) has no gap.
* The coalition's gap is the sum of its open needs' gaps, per currency.

Rights: managers register and close needs. A pledge is made for the pledger's *acting*
organisation (`Member.acting_organisation`, SPEC §3) by a donor or the champion donor; a
manager may record one for a donor with `org=`, which shows "recorded by …" until a member
acting for that donor confirms it. Only the donor organisation or a manager changes a pledge.

Scheduled work (SPEC §6), as `Reminder` rows with stable keys: a pledge with an expected
date gets up to three nudges to its donor (30, 60 and 90 days after it, 09:00 coalition
time); 30 days before a meeting, open high-priority needs without a pledge are put on its
agenda and the national authority is told (`plan_agenda_needs`, run by the watchdogs).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models import Coalition, Meeting, Need, Person, Pledge, PledgeStep, Reminder
from bot.services import agenda as agenda_service
from bot.services import meetings as meeting_service
from bot.services import organisations
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.kinds import Kind
from bot.services.members import Member, clean_organisation
from bot.services.money import Money, normalise, split_amount, split_leading
from bot.services.numbering import by_number, next_number
from bot.services.reminders import plan_once

PRIORITIES: tuple[str, ...] = ("high", "medium", "low")
PRIORITY_NAMES: dict[str, str] = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}
_PRIORITY_WORDS = {
    "high": "high", "haute": "high", "élevée": "high", "elevee": "high", "عالية": "high",
    "medium": "medium", "moyenne": "medium", "متوسطة": "medium",
    "low": "low", "basse": "low", "faible": "low", "منخفضة": "low",
}  # fmt: skip
_PRIORITY_KEYS = ("priority", "priorité", "priorite", "الأولوية", "أولوية")
_BY_KEYS = ("by", "avant", "قبل")
DONOR_ROLES = frozenset({"donor", "champion_donor"})
STATES: tuple[str, ...] = ("pledged", "committed", "disbursed", "withdrawn")
OPEN_STATES = frozenset({"pledged", "committed"})
MAX_TITLE = 200
MAX_NOTE = 200
DEFAULT_BY = timedelta(days=90)
"""Expected disbursement when none is given: 90 days after commitment (SPEC §13)."""
NUDGE_EVERY = timedelta(days=30)
NUDGES = 3
NUDGE_TIME = time(9, 0)
AGENDA_BEFORE = timedelta(days=30)
_NEED_REF = re.compile(r"^(?:N)?(\d{1,6})$", re.IGNORECASE)
_PLEDGE_REF = re.compile(r"^PL(\d{1,6})$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ORG = re.compile(r"(?:^|\s)org=", re.IGNORECASE)
IN_KIND = ("in-kind", "inkind", "en-nature", "عينية")
_ACTIONS = {
    "committed": "committed", "commit": "committed", "engagé": "committed", "engagée": "committed",
    "ملتزم": "committed",
    "disbursed": "disbursed", "disburse": "disbursed", "décaissé": "disbursed", "décaissée": "disbursed",
    "مصروف": "disbursed",
    "withdrawn": "withdrawn", "withdraw": "withdrawn", "retiré": "withdrawn", "retirée": "withdrawn",
    "مسحوب": "withdrawn",
    "amount": "amount", "montant": "amount", "المبلغ": "amount",
    "by": "by", "avant": "by", "قبل": "by",
    "confirm": "confirm", "confirmer": "confirm", "تأكيد": "confirm",
}  # fmt: skip
"""What `/pledge PL4 <word>` may do, in English, French and Arabic."""


def local_today(coalition: Coalition, now: datetime) -> date:
    return now.astimezone(ZoneInfo(coalition.timezone)).date()


# Parsing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedDraft:
    title: str
    money: Money | None
    due_month: str | None
    priority: str


def _clean(text: str) -> str:
    return " ".join(normalise(text).split())


def parse_month(value: str, today: date) -> str:
    found = _MONTH.match(value)
    if found is None or not 1 <= int(found[2]) <= 12:
        raise InvalidInput(N_("“{value}” is not a month for by: use YYYY-MM, e.g. 2027-06."), value=value)
    if value < f"{today.year:04d}-{today.month:02d}":
        raise InvalidInput(N_("The month {value} (by) is in the past."), value=value)
    return value


def parse_by_day(value: str) -> date:
    try:
        if not _DAY.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(N_("“{value}” is not a date for by: use YYYY-MM-DD, e.g. 2027-03-31."), value=value) from exc


def parse_priority(value: str) -> str:
    priority = _PRIORITY_WORDS.get(value.casefold())
    if priority is None:
        raise InvalidInput(N_("Unknown priority “{value}”: use high, medium or low."), value=value)
    return priority


def parse_need(text: str, today: date) -> NeedDraft:
    """`<title> [amount CUR] [by YYYY-MM] [priority high|medium|low]`, the options at the end."""
    words = _clean(text).split(" ")
    due_month, priority = None, "medium"
    while len(words) >= 3 and (
        words[-2].casefold() in _PRIORITY_KEYS or (words[-2].casefold() in _BY_KEYS and words[-1][:1].isdigit())
    ):  # `by` takes a month (`… requested by LMAC` is a title); `priority` always a level
        key, value = words[-2].casefold(), words[-1]
        if key in _PRIORITY_KEYS:
            priority = parse_priority(value)
        else:
            due_month = parse_month(value, today)
        words = words[:-2]
    title, money = split_amount(" ".join(words))
    if not title:
        raise InvalidInput(N_("Give the need's title: /need <title> [amount CUR] [by YYYY-MM] [priority high]."))
    if len(title) > MAX_TITLE:
        raise InvalidInput(N_("A need's title may have at most {limit} characters."), limit=MAX_TITLE)
    return NeedDraft(title, money, due_month, priority)


def need_number(reference: str) -> int:
    found = _NEED_REF.match(reference.strip())
    if found is None:
        raise InvalidInput(N_("“{value}” is not a need: write N3."), value=reference)
    return int(found[1])


def parse_action(word: str) -> str:
    action = _ACTIONS.get(word.casefold())
    if action is None:
        raise InvalidInput(
            N_("Unknown pledge step “{value}”: use committed, disbursed [amount CUR], amount <amount CUR>, "
               "withdrawn [reason], by YYYY-MM-DD or confirm."),
            value=word,
        )  # fmt: skip
    return action


def pledge_number(reference: str) -> int | None:
    found = _PLEDGE_REF.match(reference.strip())
    return int(found[1]) if found else None


@dataclass(frozen=True)
class PledgeDraft:
    money: Money | None  # None: in kind
    in_kind: str
    by_date: date | None
    note: str
    organisation: str | None  # `org=` (managers)


def _take_org(text: str, known: list[str]) -> tuple[str, str | None]:
    """Split off `org=<donor>`: a known organisation (longest match), a quoted name, or the rest."""
    found = _ORG.search(text)
    if found is None:
        return text, None
    before, after = text[: found.start()].strip(), text[found.end() :].strip()
    if after.startswith('"') and '"' in after[1:]:
        name, rest = after[1:].split('"', 1)
        return f"{before} {rest}".strip(), _clean(name) or None
    words = after.split(" ")
    for size in range(len(words), 0, -1):
        candidate = " ".join(words[:size])
        match = next((k for k in known if organisations.key(k) == organisations.key(candidate)), None)
        if match is not None:
            return f"{before} {' '.join(words[size:])}".strip(), match
    by = next((i for i, w in enumerate(words) if w.casefold() in _BY_KEYS), len(words))
    return f"{before} {' '.join(words[by:])}".strip(), " ".join(words[:by]) or None


def _take_by(text: str) -> tuple[str, date | None]:
    words = text.split(" ") if text else []
    for index, word in enumerate(words[:-1]):
        if word.casefold() in _BY_KEYS and re.match(r"^\d{4}-", words[index + 1]):
            return " ".join(words[:index] + words[index + 2 :]), parse_by_day(words[index + 1])
    return text, None


def _note(text: str) -> str:
    if len(text) > MAX_NOTE:
        raise InvalidInput(N_("A note may have at most {limit} characters."), limit=MAX_NOTE)
    return text


def parse_pledge(text: str, known_organisations: list[str]) -> PledgeDraft:
    """`<amount CUR> [by YYYY-MM-DD] [org=<donor>] [note]` or `in-kind <what> [org=<donor>]`."""
    rest, organisation = _take_org(_clean(text), known_organisations)
    head, _, tail = rest.partition(" ")
    if head.casefold() in IN_KIND:
        what, by_date = _take_by(tail.strip())
        if not what:
            raise InvalidInput(N_("Say what is contributed in kind: /pledge N3 in-kind <what>."))
        return PledgeDraft(None, _note(what), by_date, "", organisation)
    if not rest:
        raise InvalidInput(N_("Give the amount and currency: /pledge N3 200000 USD, or /pledge N3 in-kind <what>."))
    money, rest = split_leading(rest)
    note, by_date = _take_by(rest)
    return PledgeDraft(money, "", by_date, _note(note.strip()), organisation)


# Needs ------------------------------------------------------------------------------------


async def add_need(
    session: AsyncSession, coalition: Coalition, draft: NeedDraft, person: Person | None, now: datetime
) -> Need:
    need = Need(
        coalition_id=coalition.id,
        number=await next_number(session, Need, coalition.id),
        title=draft.title,
        amount=draft.money.minor if draft.money else None,
        currency=draft.money.currency if draft.money else None,
        due_month=draft.due_month,
        priority=draft.priority,
        created_by=person.id if person else None,
        created_at=now,
    )
    session.add(need)
    await session.flush()
    return need


async def need_by_reference(session: AsyncSession, coalition: Coalition, reference: str) -> Need:
    need = await by_number(session, Need, coalition.id, need_number(reference))
    if need is None:
        raise NotFound(N_("No need {value} in this coalition."), value=reference.upper())
    return need


async def close_need(session: AsyncSession, need: Need, now: datetime) -> Need:
    if need.closed_at is not None:
        raise InvalidInput(N_("Need {value} is already closed."), value=f"N{need.number}")
    need.closed_at = now
    session.add(need)
    return need


# Pledges ----------------------------------------------------------------------------------


_CANNOT_PLEDGE = N_(
    "Your claim to act for {organisation} awaits a manager's confirmation: until then you act as an individual "
    "and cannot pledge for it."
)
_CANNOT_CHANGE = N_(
    "Your claim to act for {organisation} awaits a manager's confirmation: until then you cannot change or "
    "confirm its pledges."
)


def _refuse_claimant(member: Member | None, pledge: Pledge) -> None:
    """A member claiming the pledge's donor, not yet confirmed, is told why it is not theirs yet."""
    awaiting = member.awaiting_organisation if member is not None and member.is_active else None
    if awaiting is not None and organisations.key(awaiting) == organisations.key(pledge.organisation):
        organisations.refuse_unconfirmed(member.membership, _CANNOT_CHANGE)


def pledger_organisation(member: Member | None, manager: bool, wanted: str | None) -> tuple[str, bool]:
    """For whom a pledge is made, and whether it is confirmed at once.

    A member acting for a confirmed organisation with a donor role pledges for it; `org=`
    is a manager's record for a donor (unconfirmed unless it is the manager's own). A donor
    whose claim awaits a manager's confirmation is told so (SPEC §3)."""
    acting = member.acting_organisation if member is not None else None
    donor_role = member is not None and member.is_active and member.membership.role in DONOR_ROLES
    donor = donor_role and acting is not None
    if wanted is not None and not (donor and organisations.key(wanted) == organisations.key(acting)):
        if manager:
            return wanted, False
        if donor_role:
            organisations.refuse_unconfirmed(member.membership, _CANNOT_PLEDGE)
        raise NotAllowed(N_("Only a manager may record a pledge for another organisation (org=)."))
    if donor:
        return acting, True
    if donor_role:
        organisations.refuse_unconfirmed(member.membership, _CANNOT_PLEDGE)
        raise NotAllowed(
            N_("Pledges are made for a confirmed organisation, and you have named none: /join donor <organisation>.")
        )
    if manager:
        raise InvalidInput(N_("Name the donor: /pledge N3 200000 USD org=<donor>."))
    raise NotAllowed(N_("Only donors pledge, for their confirmed organisation."))


def _step(
    pledge: Pledge, kind: str, person: Person | None, now: datetime, money: Money | None = None, note: str = ""
) -> PledgeStep:
    return PledgeStep(
        pledge_id=pledge.id,
        kind=kind,
        amount=money.minor if money else None,
        currency=money.currency if money else None,
        note=note,
        author_id=person.id if person else None,
        at=now,
    )


async def add_pledge(
    session: AsyncSession,
    coalition: Coalition,
    need: Need,
    draft: PledgeDraft,
    organisation: str,
    confirmed: bool,
    person: Person | None,
    now: datetime,
) -> Pledge:
    if need.closed_at is not None:
        raise InvalidInput(N_("Need {value} is closed."), value=f"N{need.number}")
    if draft.by_date is not None and draft.by_date < local_today(coalition, now):
        raise InvalidInput(N_("The date {value} (by) is in the past."), value=draft.by_date.isoformat())
    # a donor named with org= is one of the coalition's organisations, spelled as first spelled
    named = await organisations.register(session, coalition, clean_organisation(organisation) or organisation, now)
    organisation = named.name
    pledge = Pledge(
        coalition_id=coalition.id,
        need_id=need.id,
        number=await next_number(session, Pledge, coalition.id),
        organisation=organisation,
        amount=draft.money.minor if draft.money else None,
        currency=draft.money.currency if draft.money else None,
        in_kind=draft.in_kind,
        note=draft.note,
        by_date=draft.by_date,
        recorded_by=person.id if person else None,
        pledged_at=now,
        confirmed_at=now if confirmed else None,
    )
    session.add(pledge)
    await session.flush()
    session.add(_step(pledge, "pledged", person, now, draft.money, draft.note or draft.in_kind))
    await plan_nudges(session, coalition, pledge, now)
    return pledge


async def pledge_by_reference(session: AsyncSession, coalition: Coalition, reference: str) -> Pledge:
    number = pledge_number(reference)
    pledge = await by_number(session, Pledge, coalition.id, number) if number is not None else None
    if pledge is None:
        raise NotFound(N_("No pledge {value} in this coalition."), value=reference.upper())
    return pledge


def may_change(pledge: Pledge, member: Member | None, manager: bool) -> bool:
    if manager:
        return True
    acting = member.acting_organisation if member is not None and member.is_active else None
    return acting is not None and organisations.key(acting) == organisations.key(pledge.organisation)


def require_change(pledge: Pledge, member: Member | None, manager: bool) -> None:
    if not may_change(pledge, member, manager):
        _refuse_claimant(member, pledge)
        raise NotAllowed(
            N_("Only {organisation} (its confirmed members) or a manager may change pledge {ref}."),
            organisation=pledge.organisation,
            ref=f"PL{pledge.number}",
        )


def _require_open(pledge: Pledge) -> None:
    if pledge.state == "withdrawn":
        raise InvalidInput(N_("Pledge {value} was withdrawn."), value=f"PL{pledge.number}")
    if pledge.state == "disbursed":
        raise InvalidInput(N_("Pledge {value} is already fully disbursed."), value=f"PL{pledge.number}")


def _commit(coalition: Coalition, pledge: Pledge, now: datetime) -> None:
    if pledge.committed_at is None:
        pledge.committed_at = now
    if pledge.by_date is None:
        pledge.by_date = local_today(coalition, now) + DEFAULT_BY


async def commit(
    session: AsyncSession, coalition: Coalition, pledge: Pledge, person: Person | None, now: datetime
) -> Pledge:
    _require_open(pledge)
    if pledge.state == "committed":
        raise InvalidInput(N_("Pledge {value} is already committed."), value=f"PL{pledge.number}")
    had_date = pledge.by_date is not None
    _commit(coalition, pledge, now)
    pledge.state = "committed"
    session.add(pledge)
    session.add(_step(pledge, "committed", person, now))
    if not had_date:
        await plan_nudges(session, coalition, pledge, now)
    return pledge


async def disburse(
    session: AsyncSession,
    coalition: Coalition,
    pledge: Pledge,
    tranche: Money | None,
    person: Person | None,
    now: datetime,
) -> Pledge:
    """A tranche (or, without an amount, the rest); fully disbursed when the tranches reach the amount."""
    _require_open(pledge)
    if pledge.amount is None:
        if tranche is not None:
            raise InvalidInput(
                N_("Pledge {value} is in kind: it has no amount to disburse."), value=f"PL{pledge.number}"
            )
    else:
        money = tranche or Money(pledge.amount - pledge.disbursed, pledge.currency)
        if money.currency != pledge.currency:
            raise InvalidInput(
                N_("Pledge {ref} is in {currency}: give the tranche in {currency}."),
                ref=f"PL{pledge.number}",
                currency=pledge.currency,
            )
        if pledge.disbursed + money.minor > pledge.amount:
            raise InvalidInput(
                N_("The tranches would exceed pledge {ref}: correct its amount first (/pledge {ref} amount …)."),
                ref=f"PL{pledge.number}",
            )
        pledge.disbursed += money.minor
        session.add(_step(pledge, "tranche", person, now, money))
    _commit(coalition, pledge, now)
    if pledge.amount is None or pledge.disbursed >= pledge.amount:
        pledge.state, pledge.disbursed_at = "disbursed", now
        session.add(_step(pledge, "disbursed", person, now))
        await drop_nudges(session, pledge, now, "disbursed")
    else:
        pledge.state = "committed"
    session.add(pledge)
    return pledge


async def correct_amount(
    session: AsyncSession, coalition: Coalition, pledge: Pledge, money: Money, person: Person | None, now: datetime
) -> Pledge:
    if pledge.state == "withdrawn":
        raise InvalidInput(N_("Pledge {value} was withdrawn."), value=f"PL{pledge.number}")
    if pledge.amount is None:
        raise InvalidInput(N_("Pledge {value} is in kind: it has no amount to disburse."), value=f"PL{pledge.number}")
    if pledge.disbursed and money.currency != pledge.currency:
        raise InvalidInput(
            N_("Pledge {ref} is in {currency}: give the tranche in {currency}."),
            ref=f"PL{pledge.number}",
            currency=pledge.currency,
        )
    if money.minor < pledge.disbursed:
        raise InvalidInput(N_("Pledge {value} has already disbursed more than that."), value=f"PL{pledge.number}")
    pledge.amount, pledge.currency = money.minor, money.currency
    session.add(_step(pledge, "amount", person, now, money))
    if pledge.disbursed >= pledge.amount and pledge.state != "disbursed":
        pledge.state, pledge.disbursed_at = "disbursed", now
        await drop_nudges(session, pledge, now, "disbursed")
    elif pledge.disbursed < pledge.amount and pledge.state == "disbursed":  # raised: open again
        pledge.state, pledge.disbursed_at, pledge.revision = "committed", None, pledge.revision + 1
        await session.flush()
        await plan_nudges(session, coalition, pledge, now)
    session.add(pledge)
    return pledge


async def withdraw(session: AsyncSession, pledge: Pledge, reason: str, person: Person | None, now: datetime) -> Pledge:
    _require_open(pledge)
    if pledge.disbursed:
        raise InvalidInput(
            N_("Pledge {ref} has disbursed tranches: correct its amount to what was disbursed instead."),
            ref=f"PL{pledge.number}",
        )
    pledge.state, pledge.withdrawn_at, pledge.reason = "withdrawn", now, _note(reason)
    session.add(pledge)
    session.add(_step(pledge, "withdrawn", person, now, note=pledge.reason))
    await drop_nudges(session, pledge, now, "withdrawn")
    return pledge


async def move_date(
    session: AsyncSession, coalition: Coalition, pledge: Pledge, day: date, person: Person | None, now: datetime
) -> Pledge:
    _require_open(pledge)
    if day < local_today(coalition, now):
        raise InvalidInput(N_("The date {value} (by) is in the past."), value=day.isoformat())
    await drop_nudges(session, pledge, now, "date changed")
    pledge.by_date, pledge.revision = day, pledge.revision + 1
    session.add(pledge)
    session.add(_step(pledge, "by", person, now, note=day.isoformat()))
    await session.flush()
    await plan_nudges(session, coalition, pledge, now)
    return pledge


def confirm(
    session: AsyncSession, pledge: Pledge, member: Member | None, person: Person | None, now: datetime
) -> Pledge:
    """A member acting for the donor confirms a manager's record (a manager cannot)."""
    acting = member.acting_organisation if member is not None and member.is_active else None
    if acting is None or organisations.key(acting) != organisations.key(pledge.organisation):
        _refuse_claimant(member, pledge)
        raise NotAllowed(
            N_("Only a confirmed member of {organisation} may confirm pledge {ref}."),
            organisation=pledge.organisation,
            ref=f"PL{pledge.number}",
        )
    if pledge.confirmed_at is not None:
        raise InvalidInput(N_("Pledge {value} is already confirmed."), value=f"PL{pledge.number}")
    pledge.confirmed_at = now
    session.add(pledge)
    session.add(_step(pledge, "confirmed", person, now))
    return pledge


async def organisation_names(session: AsyncSession, coalition: Coalition) -> list[str]:
    """The coalition's organisations and earlier pledges' donors, longest first, to read `org=`."""
    names = set(await organisations.names(session, coalition))
    names |= set((await session.exec(select(Pledge.organisation).where(Pledge.coalition_id == coalition.id))).all())
    return sorted(names, key=len, reverse=True)


# Nudges and the agenda ---------------------------------------------------------------------


def nudge_due(coalition: Coalition, by_date: date, round_: int) -> datetime:
    local = datetime.combine(by_date + NUDGE_EVERY * round_, NUDGE_TIME, ZoneInfo(coalition.timezone))
    return local.astimezone(UTC)


def nudge_key(pledge: Pledge, round_: int) -> str:
    return f"pledge:{pledge.id}:r{pledge.revision}:{round_}"


async def plan_nudges(session: AsyncSession, coalition: Coalition, pledge: Pledge, now: datetime) -> list[Reminder]:
    """The donor's reminders if the pledge is still not disbursed 30, 60 and 90 days after `by`."""
    if pledge.by_date is None or pledge.state not in OPEN_STATES:
        return []
    planned = [
        Reminder(
            key=nudge_key(pledge, round_),
            coalition_id=coalition.id,
            kind=Kind.PLEDGE_NUDGE,
            subject_id=pledge.id,
            label=str(round_),
            due_at=nudge_due(coalition, pledge.by_date, round_),
        )
        for round_ in range(1, NUDGES + 1)
    ]
    planned = [r for r in planned if r.due_at > now]
    for reminder in planned:
        await plan_once(session, reminder)
    return planned


async def drop_nudges(session: AsyncSession, pledge: Pledge, now: datetime, why: str) -> None:
    await session.exec(
        update(Reminder)
        .where(Reminder.kind == Kind.PLEDGE_NUDGE, Reminder.subject_id == pledge.id, Reminder.state == "pending")
        .values(state="dropped", finished_at=now, note=why)
    )


async def nudge_superseded(session: AsyncSession, reminder: Reminder, now: datetime) -> bool:
    """After downtime several nudges of one pledge may be due at once: only the last is sent."""
    later = await session.exec(
        select(Reminder.id).where(
            Reminder.kind == Kind.PLEDGE_NUDGE,
            Reminder.subject_id == reminder.subject_id,
            Reminder.key != reminder.key,
            Reminder.due_at > reminder.due_at,
            Reminder.due_at <= now,
            Reminder.state.in_(("pending", "sending", "done")),
        )
    )
    return later.first() is not None


def agenda_key(meeting: Meeting) -> str:
    return f"need-agenda:{meeting.id}"


def agenda_text(need: Need) -> str:
    """The agenda item for an unfunded need, in no particular language (ids and the title)."""
    return f"N{need.number}: {need.title}"[:200]


async def unpledged_high(session: AsyncSession, coalition: Coalition) -> list[Need]:
    """Open high-priority needs without any pledge that is not withdrawn."""
    return [t.need for t in await totals(session, coalition) if t.need.priority == "high" and not t.live_pledges]


async def plan_agenda_needs(session: AsyncSession, coalition: Coalition, now: datetime) -> bool:
    """30 days before each meeting: its agenda gets the unpledged high-priority needs, once.

    Run by the watchdogs; the key (one per meeting) makes repeated runs and two processes
    plan nothing twice. The national authority's message is the reminder planned here."""
    planned = False
    for meeting in await meeting_service.upcoming(session, coalition, now):
        if meeting.starts_at - AGENDA_BEFORE > now:
            continue
        needs = await unpledged_high(session, coalition)
        if not needs:
            continue
        reminder = Reminder(
            key=agenda_key(meeting),
            coalition_id=coalition.id,
            kind=Kind.NEED_AGENDA,
            meeting_id=meeting.id,
            label=f"M{meeting.number}",
            due_at=now,
        )
        if not await plan_once(session, reminder):
            continue
        planned = True
        for need in needs:
            try:
                proposal = await agenda_service.add_proposal(session, coalition, agenda_text(need), now)
            except InvalidInput:  # already on the agenda (proposed by hand, or for this meeting)
                continue
            proposal.meeting_id = meeting.id
            session.add(proposal)
    return planned


# Reading: per-need totals, the coalition's gap, the year's flows --------------------------
# The read API of other areas (the dashboard, Article 7 Form I): `totals`, `gap_by_currency`,
# `year_flows`. A public page (SPEC §15) shows only the numeric fields and the title of a
# `NeedTotals`, never `pledges` or `donors` (donor names and notes stay inside the coalition).


@dataclass(frozen=True)
class NeedTotals:
    """One need with its pledges summed as the module doc says (amounts in minor units)."""

    need: Need
    pledges: list[Pledge]  # every pledge, withdrawn included, in number order
    pledged: int = 0
    committed: int = 0
    disbursed: int = 0
    others: dict[str, int] = field(default_factory=dict)  # other currencies: pledged, never subtracted
    in_kind: list[Pledge] = field(default_factory=list)

    @property
    def number(self) -> int:
        return self.need.number

    @property
    def title(self) -> str:
        return self.need.title

    @property
    def currency(self) -> str | None:
        return self.need.currency

    @property
    def priority(self) -> str:
        return self.need.priority

    @property
    def amount(self) -> int | None:
        return self.need.amount

    @property
    def gap(self) -> int | None:
        return None if self.need.amount is None else max(self.need.amount - self.pledged, 0)

    @property
    def surplus(self) -> int:
        return 0 if self.need.amount is None else max(self.pledged - self.need.amount, 0)

    @property
    def live_pledges(self) -> list[Pledge]:
        return [p for p in self.pledges if p.state != "withdrawn"]

    @property
    def donors(self) -> list[str]:
        seen: dict[str, str] = {}
        for pledge in self.live_pledges:
            seen.setdefault(organisations.key(pledge.organisation), pledge.organisation)
        return list(seen.values())


def need_totals(need: Need, pledges: list[Pledge]) -> NeedTotals:
    pledged = committed = disbursed = 0
    others: dict[str, int] = defaultdict(int)
    in_kind = []
    for pledge in pledges:
        if pledge.state == "withdrawn":
            continue
        if pledge.amount is None:
            in_kind.append(pledge)
        elif pledge.currency == need.currency:
            pledged += pledge.amount
            committed += pledge.amount if pledge.state in ("committed", "disbursed") else 0
            disbursed += pledge.disbursed
        else:
            others[pledge.currency] += pledge.amount
    return NeedTotals(need, pledges, pledged, committed, disbursed, dict(sorted(others.items())), in_kind)


_ORDER = {priority: index for index, priority in enumerate(PRIORITIES)}


async def totals(session: AsyncSession, coalition: Coalition, include_closed: bool = False) -> list[NeedTotals]:
    """Every open need (or every need) with its totals, by priority and then number."""
    query = select(Need).where(Need.coalition_id == coalition.id)
    if not include_closed:
        query = query.where(Need.closed_at.is_(None))
    needs = list(await session.exec(query.order_by(Need.number)))
    by_need: dict[int, list[Pledge]] = defaultdict(list)
    if needs:
        rows = await session.exec(
            select(Pledge).where(Pledge.need_id.in_([n.id for n in needs])).order_by(Pledge.number)
        )
        for pledge in rows:
            by_need[pledge.need_id].append(pledge)
    result = [need_totals(need, by_need[need.id]) for need in needs]
    return sorted(result, key=lambda t: (_ORDER.get(t.priority, 9), t.number))


def gap_by_currency(items: list[NeedTotals]) -> dict[str, int]:
    """The coalition's total gap per currency (open needs with an amount; zero gaps left out)."""
    gaps: dict[str, int] = defaultdict(int)
    for item in items:
        if item.gap and item.need.closed_at is None:
            gaps[item.currency] += item.gap
    return dict(sorted(gaps.items()))


@dataclass(frozen=True)
class YearFlows:
    """Article 7 Form I (international cooperation): what happened in one calendar year."""

    year: int
    needs: list[Need]  # registered in the year
    pledges: list[Pledge]  # made in the year
    disbursements: list[tuple[Pledge, PledgeStep]]  # tranches paid in the year


async def year_flows(session: AsyncSession, coalition: Coalition, year: int) -> YearFlows:
    """Needs, pledges and disbursements of calendar year `year` in the coalition's timezone."""
    zone = ZoneInfo(coalition.timezone)
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    needs = list(
        await session.exec(
            select(Need)
            .where(Need.coalition_id == coalition.id, Need.created_at >= start, Need.created_at < end)
            .order_by(Need.number)
        )
    )
    pledges = list(
        await session.exec(
            select(Pledge)
            .where(Pledge.coalition_id == coalition.id, Pledge.pledged_at >= start, Pledge.pledged_at < end)
            .order_by(Pledge.number)
        )
    )
    paid = await session.exec(
        select(Pledge, PledgeStep)
        .join(PledgeStep, PledgeStep.pledge_id == Pledge.id)
        .where(
            Pledge.coalition_id == coalition.id,
            PledgeStep.kind == "tranche",
            PledgeStep.at >= start,
            PledgeStep.at < end,
        )
        .order_by(PledgeStep.at, PledgeStep.id)
    )
    return YearFlows(year, needs, pledges, [(p, s) for p, s in paid])


@dataclass(frozen=True)
class Funding:
    """The meeting summary's section (SPEC §13): what is new since the previous meeting, and the gap."""

    new_needs: list[Need]
    new_pledges: list[tuple[Pledge, Need]]
    gaps: dict[str, int]


async def funding_since(
    session: AsyncSession, coalition: Coalition, since: datetime | None, until: datetime
) -> Funding:
    needs_query = select(Need).where(Need.coalition_id == coalition.id, Need.created_at <= until)
    pledge_query = (
        select(Pledge, Need)
        .join(Need, Need.id == Pledge.need_id)
        .where(Pledge.coalition_id == coalition.id, Pledge.pledged_at <= until)
    )
    if since is not None:
        needs_query = needs_query.where(Need.created_at >= since)
        pledge_query = pledge_query.where(Pledge.pledged_at >= since)
    return Funding(
        list(await session.exec(needs_query.order_by(Need.number))),
        [(p, n) for p, n in await session.exec(pledge_query.order_by(Pledge.number))],
        gap_by_currency(await totals(session, coalition)),
    )


async def recorders(session: AsyncSession, pledges: list[Pledge]) -> dict[int, Person]:
    """Who recorded each unconfirmed pledge ("recorded by …")."""
    wanted = sorted({p.recorded_by for p in pledges if p.confirmed_at is None and p.recorded_by is not None})
    if not wanted:
        return {}
    return {person.id: person for person in await session.exec(select(Person).where(Person.id.in_(wanted)))}


def donor_members(members: list[Member], organisation: str) -> list[Member]:
    """Active members acting for `organisation` (its confirmed members)."""
    key = organisations.key(organisation)
    return [m for m in members if m.acting_organisation is not None and organisations.key(m.acting_organisation) == key]
