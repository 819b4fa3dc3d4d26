"""Handlers for members: /start, /help, /join (and its buttons), /approve, /role, /members."""

from __future__ import annotations

from telegram import Update

from bot.i18n import N_
from bot.runtime import BotContext
from bot.services import coalitions as coalition_service
from bot.services import concerns as concern_service
from bot.services import group_admins
from bot.services import members as member_service
from bot.services.errors import InvalidInput
from bot.services.members import Member
from bot.services.roles import read_role
from bot.views import callbacks
from bot.views import commands as command_views
from bot.views import members as views
from handlers import dashboard
from handlers.buttons import pressed
from handlers.coalition import require_group_manager
from handlers.turn import Turn, handler


@handler
async def start(turn: Turn, update: Update, context: BotContext) -> None:
    """A private /start (or deep link): the bot may now write to this person."""
    if not turn.private:
        turn.reply(lambda t: command_views.help_text(t, False, False, False, turn.member is not None))
        return
    person = await turn.stored_person()  # what /start records: the bot may write to them
    person.can_message, person.unreachable = True, False
    turn.session.add(person)
    coalitions = [c for c, _ in await member_service.coalitions_of(turn.session, person)]
    turn.reply(lambda t: views.welcome_private(t, coalitions))
    if context.args == ["dashboard"]:  # the group's /dashboard links here without a Mini App name
        dashboard.offer(turn, context.bot.username)


@handler
async def help_command(turn: Turn, update: Update, context: BotContext) -> None:
    admin = await turn.is_admin(context.bot)  # False in a private chat
    manager = bool(turn.member and turn.member.is_manager) or admin
    if turn.private:  # a manager of any coalition, by role or as its group's administrator
        memberships = await member_service.coalitions_of(turn.session, turn.person)
        manager = any(Member(m, turn.person).is_manager for _, m in memberships)
        manager = manager or bool(await group_admins.administered_by(turn.session, turn.user.id))
    active = bool(turn.member and turn.member.is_active)
    turn.reply(lambda t: command_views.help_text(t, turn.private, manager, admin, active))


def require_group(turn: Turn) -> None:
    turn.require_group()
    coalition_service.ensure(turn.coalition)


async def _join(turn: Turn, context: BotContext, role: str, organisation: str | None) -> None:
    person = await turn.stored_person()
    record, pending = await member_service.join(turn.session, turn.coalition, person, role, organisation, turn.now)
    member = Member(record, person)
    if pending and await turn.is_admin(context.bot):  # an administrator needs nobody's approval
        await member_service.approve(turn.session, member)
        pending = False
    await concern_service.note_role(turn.session, record, turn.now)
    turn.member = member
    keyboard = (lambda t: views.approve_keyboard(t, member)) if pending else None
    turn.reply(lambda t: views.joined(t, member, pending), keyboard)
    if not turn.person.can_message:
        link = f"https://t.me/{context.bot.username}?start=c{abs(turn.chat.id)}"
        turn.reply(lambda t: views.start_hint(t, link))


@handler
async def join(turn: Turn, update: Update, context: BotContext) -> None:
    require_group(turn)
    args = context.args or []
    if not args:
        turn.reply(views.choose_role, views.role_keyboard)
        return
    role, rest = read_role(args) or (args[0], args[1:])  # an unknown role is refused by the service
    await _join(turn, context, role, " ".join(rest) or None)


@handler
async def join_button(turn: Turn, update: Update, context: BotContext) -> None:
    require_group(turn)
    await _join(turn, context, pressed(update, callbacks.Join).role, None)
    turn.answer(views.thanks)


async def _approve(turn: Turn, context: BotContext, member: Member) -> None:
    await require_group_manager(turn, context)
    await member_service.approve(turn.session, member)
    await concern_service.note_role(turn.session, member.membership, turn.now)
    turn.reply(lambda t: views.approved(t, member))
    turn.tell(member.person, lambda t: views.approved(t, member))


@handler
async def approve(turn: Turn, update: Update, context: BotContext) -> None:
    require_group(turn)
    if not context.args:
        raise InvalidInput(N_("Name the member: /approve @username."))
    await _approve(turn, context, await member_service.find_member(turn.session, turn.coalition, context.args[0]))


@handler
async def approve_button(turn: Turn, update: Update, context: BotContext) -> None:
    require_group(turn)
    member = await member_service.membership_by_id(
        turn.session, turn.coalition, pressed(update, callbacks.Approve).membership_id
    )
    await _approve(turn, context, member)
    turn.answer(views.approved_short)


@handler
async def role(turn: Turn, update: Update, context: BotContext) -> None:
    await require_group_manager(turn, context)
    args = context.args or []
    if len(args) < 2:
        raise InvalidInput(N_("Use: /role @username <role> [organisation]."))
    member = await member_service.find_member(turn.session, turn.coalition, args[0])
    role, rest = read_role(args[1:]) or (args[1], args[2:])
    member_service.set_role(turn.session, member, role, " ".join(rest) or None)
    await concern_service.note_role(turn.session, member.membership, turn.now)
    turn.reply(lambda t: views.approved(t, member))


@handler
async def members(turn: Turn, update: Update, context: BotContext) -> None:
    require_group(turn)
    coalition = turn.coalition
    listing = await member_service.members(turn.session, coalition)
    show_reach = await turn.is_manager(context.bot)
    turn.reply(lambda t: views.member_list(t, coalition, listing, show_reach))


@handler
async def stale_button(turn: Turn, update: Update, context: BotContext) -> None:
    """Any callback data no handler recognises: forged, malformed or from an old version."""
    raise InvalidInput(N_("This button is not valid."))


@handler
async def unknown_command(turn: Turn, update: Update, context: BotContext) -> None:
    """A command the bot does not know, in a private chat: say so and point to /help.

    Registered for private chats only: in a group, other bots' commands are none of ours.
    """
    turn.reply(command_views.unknown_command)
