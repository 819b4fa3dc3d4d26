"""Handlers for members: /start, /help, /join (and its buttons), /approve, /role, /members."""

from __future__ import annotations

from telegram import Update

from bot.i18n import N_
from bot.models import Coalition, Membership, Organisation, Person
from bot.runtime import BotContext
from bot.services import coalitions as coalition_service
from bot.services import concerns as concern_service
from bot.services import group_admins, organisations
from bot.services import members as member_service
from bot.services.errors import InvalidInput, NotAllowed, NotFound
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
    """One answer (SPEC §3): who joined as what, what waits for a manager (with the button
    that grants it, as a durable request), and the deep link to the private chat if needed."""
    person = await turn.stored_person()
    record, pending = await member_service.join(turn.session, turn.coalition, person, role, organisation, turn.now)
    member = Member(record, person)
    if pending and await turn.is_admin(context.bot):  # an administrator's role needs nobody's approval
        member_service.grant_pending_role(record)
        pending = False
    await concern_service.note_role(turn.session, record, turn.now)
    turn.member = member
    link = None if turn.person.can_message else f"https://t.me/{context.bot.username}?start=c{abs(turn.chat.id)}"
    claimed = await _claimed(turn, record)
    if not (pending or claimed):
        turn.reply(lambda t: views.joined(t, member, pending, link))
        return
    turn.reply(
        lambda t: views.joined(t, member, pending, link),
        lambda t: views.approve_keyboard(t, member, claimed),
        durable=True,
    )


async def _claimed(turn: Turn, record: Membership) -> Organisation | None:
    """The organisation whose claim awaits confirmation, named by the approval button."""
    awaiting = organisations.awaiting(record)
    return await organisations.find(turn.session, turn.coalition, awaiting) if awaiting else None


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


async def _approve(turn: Turn, context: BotContext, member: Member, button: callbacks.Approve | None = None) -> None:
    """`/approve @user` grants whatever is pending; a button only the request it was made for:
    a claim to another organisation since (or a first one) waits for its own button."""
    await require_group_manager(turn, context)
    claimed = await _claimed(turn, member.membership)
    pending = claimed is not None or member.membership.pending_role is not None
    if button is not None and pending and (claimed.id if claimed else None) != button.organisation_id:
        raise InvalidInput(
            N_("{value}'s request has changed since; approve the newer one."), value=member.person.full_name
        )
    granted = await member_service.approve(turn.session, member, await turn.stored_person(), turn.now)
    await concern_service.note_role(turn.session, member.membership, turn.now)
    _announce(turn, member, granted)


def _announce(turn: Turn, member: Member, granted: member_service.Granted) -> None:
    """In the group and to the member: durable notices, written with the change (SPEC §11)."""
    turn.reply(lambda t: views.approved(t, member, granted), durable=True)
    turn.tell(member.person, lambda t: views.approved(t, member, granted), durable=True)


@handler
async def approve(turn: Turn, update: Update, context: BotContext) -> None:
    require_group(turn)
    if not context.args:
        raise InvalidInput(N_("Name the member: /approve @username."))
    await _approve(turn, context, await member_service.find_member(turn.session, turn.coalition, context.args[0]))


@handler
async def approve_button(turn: Turn, update: Update, context: BotContext) -> None:
    require_group(turn)
    data = pressed(update, callbacks.Approve)
    member = await member_service.membership_by_id(turn.session, turn.coalition, data.membership_id)
    await _approve(turn, context, member, data)
    turn.answer(views.approved_short)


@handler
async def role(turn: Turn, update: Update, context: BotContext) -> None:
    await require_group_manager(turn, context)
    args = context.args or []
    if len(args) < 2:
        raise InvalidInput(N_("Use: /role @username <role> [organisation]."))
    member = await member_service.find_member(turn.session, turn.coalition, args[0])
    role, rest = read_role(args[1:]) or (args[1], args[2:])
    granted = await member_service.set_role(
        turn.session, turn.coalition, member, role, " ".join(rest) or None, await turn.stored_person(), turn.now
    )
    await concern_service.note_role(turn.session, member.membership, turn.now)
    _announce(turn, member, granted)


@handler
async def revoke_button(turn: Turn, update: Update, context: BotContext) -> None:
    """A manager revokes a member's claim to act for an organisation (the list sent after the
    upgrade, SPEC §3), from the group or from a private chat; the member is told."""
    data = pressed(update, callbacks.Revoke)
    record = await turn.session.get(Membership, data.membership_id)
    if record is None:
        raise NotFound(N_("This member is no longer in the coalition."))
    coalition = await turn.session.get(Coalition, record.coalition_id)
    if not turn.private and (turn.coalition is None or turn.coalition.id != coalition.id):
        raise NotAllowed(N_("This button belongs to another coalition."))
    turn.coalition = coalition
    if not await turn.manages(context.bot, coalition, await turn.member_of(coalition)):
        raise NotAllowed(N_("Only the coalition's managers may do this."))
    organisation = await organisations.by_id(turn.session, coalition.id, data.organisation_id)
    member = Member(record, await turn.session.get(Person, record.person_id))
    if record.organisation != organisation.name:
        raise InvalidInput(
            N_("{name} does not claim {organisation} any more: nothing to revoke."),
            name=member.person.full_name,
            organisation=organisation.name,
        )
    organisations.revoke(record)
    turn.session.add(record)
    name = organisation.name
    turn.answer(lambda t: views.revoked_short(t, member, name))
    turn.reply(lambda t: views.revoked(t, member, name))
    turn.tell(member.person, lambda t: views.revoked_notice(t, coalition, name), durable=True)


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
