"""Leaving (SPEC §3): members who leave the group, the bot removed and added back, and
`/closecoalition` with its private confirmation.

Telegram reports a departure as a `left_chat_member` service message and, when the bot is an
administrator, as a `chat_member` update too; both end the membership, the second finds
nothing left to end. Every member change also drops the group's cached administrator list.
"""

from __future__ import annotations

from telegram import ChatMember, ChatMemberRestricted, Update

from bot.i18n import N_
from bot.models import Coalition
from bot.outbox import audience
from bot.runtime import BotContext
from bot.services import closing, group_admins, leaving
from bot.services.errors import InvalidInput, NotFound
from bot.views import callbacks
from bot.views import leaving as views
from bot.views.render import Render
from handlers.buttons import pressed
from handlers.members import require_group
from handlers.progress import candidate_coalitions, send_export
from handlers.turn import Turn, handler

GONE = frozenset({ChatMember.LEFT, ChatMember.BANNED})
ADMINS = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR})


async def _left(turn: Turn, tg_user_id: int) -> None:
    """End a membership of this group's coalition; the person hears why, privately."""
    coalition = turn.coalition
    member = await leaving.leave(turn.session, coalition, tg_user_id, turn.now)
    if member is not None:
        turn.tell(member.person, lambda t: views.membership_ended(t, coalition))


async def _tell_managers(turn: Turn, coalition: Coalition, render: Render) -> None:
    for person in await leaving.managers_to_tell(turn.session, coalition):
        turn.tell(person, render, durable=True)


@handler
async def member_left(turn: Turn, update: Update, context: BotContext) -> None:
    """The `left_chat_member` service message: someone left or was removed (the bot too, in
    groups where Telegram still tells it)."""
    message = update.effective_message
    turn.runtime.admins.forget(message.chat_id)
    if turn.coalition is None:
        return
    gone = message.left_chat_member
    if gone.id == context.bot.id:
        await _pause(turn)
    else:
        await _left(turn, gone.id)


@handler
async def member_changed(turn: Turn, update: Update, context: BotContext) -> None:
    """A `chat_member` update (sent while the bot is an administrator): a departure, a removal,
    or an administrator promoted or demoted."""
    change = update.chat_member
    turn.runtime.admins.forget(change.chat.id)
    coalition = turn.coalition
    if coalition is None:
        return
    new = change.new_chat_member
    user, status = new.user, new.status
    if status in GONE or (isinstance(new, ChatMemberRestricted) and not new.is_member):  # restricted, and out
        await _left(turn, user.id)
    elif status in ADMINS:
        await group_admins.add(turn.session, coalition.id, user.id)
    elif change.old_chat_member.status in ADMINS:
        await group_admins.drop(turn.session, user.id, coalition.id)


async def _pause(turn: Turn) -> None:
    coalition = turn.coalition
    if await leaving.pause(turn.session, coalition, turn.now):
        await _tell_managers(turn, coalition, lambda t: views.paused(t, coalition))


@handler
async def bot_changed(turn: Turn, update: Update, context: BotContext) -> None:
    """`my_chat_member`: the bot removed from a coalition's group pauses it; added back, it resumes."""
    change = update.my_chat_member
    turn.runtime.admins.forget(change.chat.id)
    if turn.coalition is None:  # a private chat (blocked, unblocked) or a group that is no coalition
        return
    coalition, status = turn.coalition, change.new_chat_member.status
    if status in GONE:
        await _pause(turn)
        return
    result = await leaving.resume(turn.session, coalition, turn.now)
    if result is not None:
        await turn.record_admins(context.bot)  # they may have changed while the bot was away
        await _tell_managers(turn, coalition, lambda t: views.resumed(t, coalition, result))


# /closecoalition ----------------------------------------------------------------------


def _request(turn: Turn, context: BotContext) -> bool:
    """`/closecoalition` or `/closecoalition cancel`: True for a cancellation."""
    args = [word.lower() for word in context.args or []]
    if args not in ([], ["cancel"]):
        raise InvalidInput(N_("Use: /closecoalition, or /closecoalition cancel."))
    return bool(args)


async def _closable(turn: Turn, context: BotContext) -> list[Coalition]:
    """In a private chat: the coalitions this person may close (refused if none)."""
    allowed = [
        coalition
        for coalition, member in await candidate_coalitions(turn)
        if closing.may_close(member, False) or await turn.administers(context.bot, coalition)
    ]
    if not allowed:
        closing.require_closer(None, False)
    return allowed


async def _cancel(turn: Turn, coalition: Coalition) -> None:
    await closing.cancel(turn.session, coalition, turn.now)
    render = lambda t: views.closing_cancelled(t, coalition)  # noqa: E731
    if turn.private:
        turn.reply(render)
    if coalition.paused_at is None:
        turn.post(coalition, render)


def _ask(turn: Turn, coalition: Coalition) -> None:
    turn.reply(lambda t: views.close_question(t, coalition), lambda t: views.close_keyboard(t, coalition))


@handler
async def closecoalition(turn: Turn, update: Update, context: BotContext) -> None:
    """Asked in the group or privately; the confirmation is always private (a button)."""
    cancel = _request(turn, context)
    if turn.private:
        coalitions = await _closable(turn, context)
        if cancel:
            closing_ones = [c for c in coalitions if c.erase_at is not None]
            if len(closing_ones) > 1:
                turn.reply(views.several_closing)
                return
            await _cancel(turn, closing_ones[0] if closing_ones else coalitions[0])  # none closing: refused
        elif len(coalitions) == 1:
            _ask(turn, coalitions[0])
        else:
            turn.reply(views.choose, lambda t: views.choose_keyboard(coalitions))
        return
    require_group(turn)
    coalition = turn.coalition
    closing.require_closer(turn.member, await turn.is_admin(context.bot))
    if cancel:
        await _cancel(turn, coalition)
    elif coalition.erase_at is not None:
        erase_at = coalition.erase_at
        turn.reply(lambda t: views.already_closing(t, coalition, erase_at))
    elif audience.may_write(turn.person):
        turn.tell(
            turn.person, lambda t: views.close_question(t, coalition), lambda t: views.close_keyboard(t, coalition)
        )
        turn.reply(views.confirm_sent)
    else:
        link = f"https://t.me/{context.bot.username}?start=c{abs(turn.chat.id)}"
        turn.reply(lambda t: views.confirm_needs_private(t, link))


@handler
async def close_button(turn: Turn, update: Update, context: BotContext) -> None:
    """The private confirmation: permission checked again, then the export, the announcement
    in the group and the erasure planned 30 days ahead."""
    turn.require_private()
    data = pressed(update, callbacks.CloseCoalition)
    coalition = await turn.session.get(Coalition, data.coalition_id)
    if coalition is None:
        raise NotFound(N_("This coalition no longer exists."))
    turn.coalition = coalition
    closing.require_closer(await turn.member_of(coalition), await turn.administers(context.bot, coalition))
    if data.step == "ask":
        _ask(turn, coalition)
        return
    turn.clear_keyboard(update)
    if data.step == "no":
        turn.reply(views.close_declined)
        return
    erase_at, fresh = await closing.close(turn.session, coalition, turn.now)
    if not fresh:
        turn.reply(lambda t: views.already_closing(t, coalition, erase_at))
        return
    if coalition.paused_at is None:
        turn.post(coalition, lambda t: views.closing_announced(t, coalition, erase_at))
    turn.reply(lambda t: views.closing_confirmed(t, coalition, erase_at))
    await send_export(turn, coalition)
