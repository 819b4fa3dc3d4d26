"""Handlers for action points (SPEC §5): /action, /update, /done, /reopen, /actions, /note,
/summary, the one-tap status buttons, the mid-term "circulate" button, and progress written
in the group chat (`#AP3` tags, replies to an action point's message).

Progress written in chat is acknowledged with a reaction, not a message: reactions name the
group and spend its 20-per-minute budget (SPEC §12), so they are sent in the background (the
handler never waits on a throttled request) and at most `ACKS_PER_MINUTE` per group; beyond
that the update is still recorded, just not acknowledged.
"""

from __future__ import annotations

import logging
import re
import time
from collections import deque

from telegram import Bot, ForceReply, Message, Update
from telegram.ext import Application, filters

from bot.i18n import N_
from bot.models import ActionPoint, Coalition, DialogState, Reminder
from bot.outbox.envelope import Job, Lane
from bot.runtime import BotContext, runtime_of
from bot.services import action_planning, summaries
from bot.services import actions as service
from bot.services import members as member_service
from bot.services.action_parsing import TAG, Progress, find_tags, parse_progress
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.kinds import Kind
from bot.services.members import Member
from bot.views import actions as views
from bot.views import callbacks
from handlers import dialogs
from handlers.buttons import pressed
from handlers.coalition import require_group_manager
from handlers.members import require_group
from handlers.turn import Turn, handler

log = logging.getLogger(__name__)

ACKS_KEY = "action_acks"
ACKS_PER_MINUTE = 6
RECORDED, COMMENTED = "👍", "✍"


class Acknowledger:
    """Best-effort reactions: sent in the background, at most `per_minute` per group."""

    def __init__(self, per_minute: int = ACKS_PER_MINUTE) -> None:
        self.per_minute = per_minute
        self._recent: dict[int, deque[float]] = {}

    def react(self, application: Application, chat_id: int, message_id: int, emoji: str) -> bool:
        if chat_id < 0:  # a group: keep most of its budget for real posts
            now = time.monotonic()
            window = self._recent.setdefault(chat_id, deque())
            while window and window[0] <= now - 60:
                window.popleft()
            if len(window) >= self.per_minute:
                return False
            window.append(now)
        sender = runtime_of(application).sender

        async def send(bot: Bot) -> bool:
            return await bot.set_message_reaction(chat_id, message_id, emoji)

        sender.submit(Job(chat_id, Lane.REPLY, call=send, deadline=sender.reply_deadline(), label="reaction"))
        return True


def _acknowledge(turn: Turn, context: BotContext, message: Message, emoji: str) -> None:
    """React to `message` after the commit (nothing is acknowledged that was rolled back)."""
    acks: Acknowledger = context.bot_data.get(ACKS_KEY) or context.bot_data.setdefault(ACKS_KEY, Acknowledger())
    chat_id, message_id = message.chat_id, message.message_id

    async def react() -> None:
        acks.react(context.application, chat_id, message_id, emoji)

    turn.defer(react)


def arguments(update: Update) -> str:
    """Everything after the command, spacing kept (organisation names, notes)."""
    parts = (update.effective_message.text or "").split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


async def _allowed(
    turn: Turn, context: BotContext, coalition: Coalition, member: Member | None, action: ActionPoint
) -> bool:
    """An owner, or a manager; the administrator list is read only when ownership does not settle it."""
    return service.owns(member, action) or await turn.manages(context.bot, coalition, member)


@handler
async def action(turn: Turn, update: Update, context: BotContext) -> None:
    """`/action <owner> [YYYY-MM-DD] <text>` (managers)."""
    await require_group_manager(turn, context)
    coalition, message = turn.coalition, update.effective_message
    author = await turn.stored_person()
    created, owner = await service.create(turn.session, coalition, author, arguments(update), turn.now)
    overdue = service.is_overdue(created, service.local_today(coalition, turn.now))
    person = owner.member.person if owner.member else None
    await service.link(turn.session, [created], message.chat_id, message.message_id)
    runtime = turn.runtime

    async def remember(sent: list[Message]) -> None:
        async with runtime.db.transaction() as session:
            for posted in sent:
                await service.link(session, [created], posted.chat_id, posted.message_id)

    turn.reply(lambda t: views.created(t, created, person, overdue), after=remember)


async def _target(turn: Turn, update: Update, usage: str) -> tuple[ActionPoint, str]:
    """The action point a command names first, and the rest of its text."""
    require_group(turn)
    parts = arguments(update).split(maxsplit=1)
    if not parts:
        raise InvalidInput(usage)
    return await service.by_number(turn.session, turn.coalition, parts[0]), parts[1] if len(parts) > 1 else ""


async def _author_may_change(
    turn: Turn, context: BotContext, coalition: Coalition, target: ActionPoint, progress: Progress
) -> bool:
    """Whether the sender may change `target`; someone neither member nor manager must join
    first, and a status change by an unconfirmed claimant of its organisation is refused with why."""
    member = await turn.member_of(coalition)
    allowed = await _allowed(turn, context, coalition, member, target)
    if not allowed:
        service.require_member(member)
        service.refuse_unconfirmed(member, target, progress)
    return allowed


async def _change(turn: Turn, update: Update, context: BotContext, target: ActionPoint, progress: Progress) -> None:
    """Apply a command's update of one action point, acknowledged with a reaction."""
    allowed = await _author_may_change(turn, context, turn.coalition, target, progress)
    row = await service.record(turn.session, target, await turn.stored_person(), allowed, progress, turn.now)
    message = update.effective_message
    await service.link(turn.session, [target], message.chat_id, message.message_id)
    _acknowledge(turn, context, message, COMMENTED if row.comment else RECORDED)


@handler
async def update_command(turn: Turn, update: Update, context: BotContext) -> None:
    """`/update AP3 [status] [NN%] <text>`."""
    target, rest = await _target(turn, update, N_("Say what changed: /update AP3 [status] [NN%] <text>."))
    await _change(turn, update, context, target, parse_progress(rest, strict=True))


@handler
async def done(turn: Turn, update: Update, context: BotContext) -> None:
    """`/done AP3 [note]`."""
    target, note = await _target(turn, update, N_("Name the action point: /done AP3 [note]."))
    await _change(turn, update, context, target, service.closing(target, " ".join(note.split())))


@handler
async def reopen(turn: Turn, update: Update, context: BotContext) -> None:
    """`/reopen AP3 [note]`."""
    target, note = await _target(turn, update, N_("Name the action point: /reopen AP3 [note]."))
    await _change(turn, update, context, target, service.reopening(target, " ".join(note.split())))


@handler
async def actions(turn: Turn, update: Update, context: BotContext) -> None:
    """`/actions [mine|overdue|@owner|org|role]`; in a private chat, one block per coalition."""
    scope = context.args or []
    if not turn.private:
        require_group(turn)
        coalition = turn.coalition
        found = await service.select_items(turn.session, coalition, scope, turn.member, turn.now)
        turn.reply(lambda t: views.action_list(t, coalition, found, scope))
        return
    blocks, refusal = [], None
    for coalition, record in await member_service.coalitions_of(turn.session, turn.person):
        try:
            blocks.append(
                (
                    coalition,
                    await service.select_items(turn.session, coalition, scope, Member(record, turn.person), turn.now),
                )
            )
        except NotFound as error:  # an owner known in one coalition only
            refusal = error
    if not blocks:
        raise refusal or NotFound(N_("You are not a member of any coalition yet."))
    turn.reply(lambda t: "\n\n".join(views.action_list(t, c, found, scope) for c, found in blocks))


@handler
async def note(turn: Turn, update: Update, context: BotContext) -> None:
    """`/note <text>` (managers): a decision for the summary of the meeting under way."""
    await require_group_manager(turn, context)
    await summaries.add_note(turn.session, turn.coalition, await turn.stored_person(), arguments(update), turn.now)
    _acknowledge(turn, context, update.effective_message, COMMENTED)


@handler
async def summary(turn: Turn, update: Update, context: BotContext) -> None:
    """`/summary [M2]` (managers): posted here and privately to every member by the dispatcher,
    both durable (SPEC §11): the post is a row of this transaction, the copies a reminder."""
    await require_group_manager(turn, context)
    coalition = turn.coalition
    meeting = await summaries.held_meeting(turn.session, coalition, (context.args or [None])[0], turn.now)
    result = await summaries.compose(turn.session, coalition, meeting, turn.now)
    await summaries.plan_fan_out(turn.session, coalition, meeting, turn.now, str(update.update_id))
    turn.reply(lambda t: views.summary(t, coalition, result), durable=True)


@handler
async def status_button(turn: Turn, update: Update, context: BotContext) -> None:
    """A one-tap status from the mid-term request; then an optional note, by reply."""
    data = pressed(update, callbacks.ActionStatus)
    target = await turn.session.get(ActionPoint, data.action_id)
    if target is None:
        raise NotFound(N_("This action point no longer exists."))
    coalition = await turn.session.get(Coalition, target.coalition_id)
    if not turn.private and (turn.coalition is None or turn.coalition.id != coalition.id):
        raise NotAllowed(N_("This button belongs to another coalition."))
    turn.coalition = coalition
    progress = Progress(data.status, None, "")
    allowed = await _author_may_change(turn, context, coalition, target, progress)
    await service.record(turn.session, target, await turn.stored_person(), allowed, progress, turn.now)
    turn.answer(lambda t: views.status_recorded(t, target))
    ask = (lambda t: views.ask_note(t, target), lambda t: ForceReply(selective=True))
    if turn.private:  # SPEC §8: no per-message record of a private chat; the note is a dialog step
        await dialogs.start(turn, NOTE_DIALOG, "note", {"action_id": target.id})
        turn.reply(*ask)
        return
    runtime = turn.runtime

    async def remember(sent: list[Message]) -> None:
        async with runtime.db.transaction() as session:
            await service.link(session, [target], sent[-1].chat_id, sent[-1].message_id)

    turn.reply(*ask, after=remember)


NOTE_DIALOG = "ap-note"
"""The optional note after a one-tap status in a private chat (a stored dialog of one step)."""


async def note_step(turn: Turn, update: Update, context: BotContext, row: DialogState) -> None:
    """The note that follows a one-tap status in a private chat."""
    target = await turn.session.get(ActionPoint, row.data["action_id"])
    await dialogs.finish(turn, update, row)
    if target is not None:
        message = update.effective_message
        await _record_from_chat(turn, context, message, [(target, parse_progress(message.text or "", strict=False))])


@handler
async def circulate_button(turn: Turn, update: Update, context: BotContext) -> None:
    """The national authority posts the drafted mid-term update to the group, once."""
    draft = await turn.session.get(Reminder, pressed(update, callbacks.Midterm).reminder_id)
    if draft is None or draft.kind != Kind.MIDTERM_DRAFT:
        raise InvalidInput(N_("This button is not valid."))
    coalition = await turn.session.get(Coalition, draft.coalition_id)
    turn.coalition = coalition
    if not await turn.manages(context.bot, coalition, await turn.member_of(coalition)):
        raise NotAllowed(N_("Only the coalition's managers may do this."))
    planned = await action_planning.plan_circulation(turn.session, draft, turn.now)
    turn.answer(views.circulation_planned if planned else views.already_circulated)


class _RepliesAboutAction(filters.MessageFilter):
    """A reply to a message naming an action point: the cheap test before the database's."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return replied is not None and _MENTION.search(replied.text or replied.caption or "") is not None


_MENTION = re.compile(r"AP\d", re.I)
CHAT_PROGRESS = (
    filters.UpdateType.MESSAGE
    & filters.TEXT
    & ~filters.COMMAND
    & ((filters.ChatType.GROUPS & filters.Regex(TAG)) | _RepliesAboutAction())
)
"""Group messages with `#AP3` tags (seen when the bot is an administrator or privacy mode is
off) and replies to an action point's messages (always seen: they reply to the bot)."""


@handler
async def chat_progress(turn: Turn, update: Update, context: BotContext) -> None:
    """Progress written in chat. Silent unless something was recorded: no noise."""
    message = update.effective_message
    text = message.text or ""
    tags = [] if turn.private else find_tags(text)
    if tags and turn.coalition is not None:
        known = {a.number: a for a in await service.by_numbers(turn.session, turn.coalition, [t.number for t in tags])}
        pairs = [(known[t.number], t.progress) for t in tags if t.number in known]
    elif message.reply_to_message is not None and not tags:
        targets = await service.linked(turn.session, message.chat_id, message.reply_to_message.message_id)
        pairs = [(targets[0], parse_progress(text, strict=False))] if len(targets) == 1 else []
    else:
        pairs = []
    if pairs:
        await _record_from_chat(turn, context, message, pairs)


async def _record_from_chat(
    turn: Turn, context: BotContext, message: Message, pairs: list[tuple[ActionPoint, Progress]]
) -> None:
    text = message.text or ""
    coalition = turn.coalition or await turn.session.get(Coalition, pairs[0][0].coalition_id)
    member = await turn.member_of(coalition)
    turn.coalition = coalition
    rows = await service.record_from_chat(
        turn.session,
        member,
        turn.stored_person,
        pairs,
        lambda: turn.manages(context.bot, coalition, member),
        turn.now,
        " ".join(text.split()),
    )
    if not rows:
        return
    awaiting = [
        target for target, progress in pairs if progress.changes and service.awaits_confirmation(member, target)
    ]
    if awaiting and member is not None:  # kept as comments; the claimant is told why the status did not change
        organisation = member.awaiting_organisation or ""
        turn.reply(lambda t: views.comment_awaiting(t, organisation, awaiting))
    if not turn.private:  # replying to it updates them; a private chat's message is never kept
        await service.link(turn.session, [target for target, _ in pairs], message.chat_id, message.message_id)
    _acknowledge(turn, context, message, RECORDED if any(not r.comment for r in rows) else COMMENTED)
