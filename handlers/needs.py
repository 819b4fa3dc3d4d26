"""Handlers of resource mobilisation (SPEC §13): /need, /pledge and /needs.

Needs and pledges are written in the coalition's group, where everyone sees them; `/needs`
also works privately, one block per coalition of the reader.
"""

from __future__ import annotations

from telegram import Update

from bot.i18n import N_
from bot.models import Need, Pledge
from bot.runtime import BotContext
from bot.services import needs as service
from bot.services import recipients
from bot.services.errors import InvalidInput
from bot.services.money import normalise, parse_money
from bot.views import needs as views
from handlers.actions import arguments
from handlers.coalition import require_group_manager
from handlers.members import require_group
from handlers.progress import reader_coalitions
from handlers.turn import Turn, handler


@handler
async def need(turn: Turn, update: Update, context: BotContext) -> None:
    """`/need <title> [amount CUR] [by YYYY-MM] [priority high|medium|low]`, `/need N3 close` (managers)."""
    await require_group_manager(turn, context)
    text = " ".join(normalise(arguments(update)).split())
    if not text:
        raise InvalidInput(N_("Give the need's title: /need <title> [amount CUR] [by YYYY-MM] [priority high]."))
    words = text.split(" ")
    if len(words) == 2 and words[1].casefold() in ("close", "fermer", "إغلاق"):
        record = await service.need_by_reference(turn.session, turn.coalition, words[0])
        await service.close_need(turn.session, record, turn.now)
        turn.reply(lambda t: views.need_closed(t, record))
        return
    draft = service.parse_need(text, service.local_today(turn.coalition, turn.now))
    record = await service.add_need(turn.session, turn.coalition, draft, await turn.stored_person(), turn.now)
    turn.reply(lambda t: views.need_registered(t, record))


async def _tell_donor(turn: Turn, pledge: Pledge, record: Need) -> None:
    """A manager recorded a pledge for a donor: its confirmed members are asked to confirm it."""
    coalition, recorder = turn.coalition, turn.person
    members = await recipients.active_members(turn.session, coalition.id)
    for member in service.donor_members(members, pledge.organisation):
        if member.person.id != recorder.id:
            turn.tell(member.person, lambda t: views.confirm_request(t, coalition, pledge, record, recorder))


async def _step(turn: Turn, context: BotContext, reference: str, rest: str) -> None:
    """`/pledge PL4 committed|disbursed [amount CUR]|amount <amount CUR>|withdrawn [reason]|by <date>|confirm`."""
    session, coalition, now, person = turn.session, turn.coalition, turn.now, await turn.stored_person()
    pledge = await service.pledge_by_reference(session, coalition, reference)
    word, _, value = rest.partition(" ")
    member, action = turn.member, service.parse_action(word)
    if action == "confirm":
        service.confirm(session, pledge, member, person, now)
    else:
        service.require_change(pledge, member, await turn.is_manager(context.bot))
        value = value.strip()
        if action == "committed":
            await service.commit(session, coalition, pledge, person, now)
        elif action == "disbursed":
            await service.disburse(session, coalition, pledge, parse_money(value) if value else None, person, now)
        elif action == "amount":
            await service.correct_amount(session, coalition, pledge, parse_money(value), person, now)
        elif action == "withdrawn":
            await service.withdraw(session, pledge, value, person, now)
        else:
            await service.move_date(session, coalition, pledge, service.parse_by_day(value), person, now)
    record = await session.get(Need, pledge.need_id)
    recorders = await service.recorders(session, [pledge])
    turn.reply(lambda t: views.pledge_changed(t, pledge, record, recorders.get(pledge.recorded_by)))


@handler
async def pledge(turn: Turn, update: Update, context: BotContext) -> None:
    """`/pledge N3 <amount CUR> [by YYYY-MM-DD] [org=<donor>] [note]`, `/pledge N3 in-kind <what>`,
    or a step of an existing pledge (`/pledge PL4 committed`)."""
    require_group(turn)
    reference, _, rest = " ".join(normalise(arguments(update)).split()).partition(" ")
    if not reference:
        raise InvalidInput(N_("Give the amount and currency: /pledge N3 200000 USD, or /pledge N3 in-kind <what>."))
    if service.pledge_number(reference) is not None:
        await _step(turn, context, reference, rest)
        return
    session, coalition = turn.session, turn.coalition
    record = await service.need_by_reference(session, coalition, reference)
    draft = service.parse_pledge(rest, await service.organisation_names(session, coalition))
    manager = await turn.is_manager(context.bot)
    organisation, confirmed = service.pledger_organisation(turn.member, manager, draft.organisation)
    pledger = await turn.stored_person()
    made = await service.add_pledge(session, coalition, record, draft, organisation, confirmed, pledger, turn.now)
    recorder = None if confirmed else turn.person
    turn.reply(lambda t: views.pledge_recorded(t, made, record, recorder))
    if not confirmed:
        await _tell_donor(turn, made, record)


@handler
async def needs(turn: Turn, update: Update, context: BotContext) -> None:
    """Open needs by priority with their totals and donors, and the gap per currency."""
    blocks = []
    for coalition in await reader_coalitions(turn):
        items = await service.totals(turn.session, coalition)
        recorders = await service.recorders(turn.session, [p for item in items for p in item.live_pledges])
        blocks.append((coalition, items, service.gap_by_currency(items), recorders))
    turn.reply(lambda t: "\n\n".join(views.needs_list(t, *block) for block in blocks))
