"""One update being handled: its transaction, who is speaking, where, and what to answer.

Every handler runs inside `@handler`: the update's work is one database transaction, and
replies are queued in `turn.outbox` and sent only after the commit, so the bot never
announces something that was then rolled back. A `UserError` rolls the transaction back
and is answered with its localised message.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, CallbackQuery, Chat, ForceReply, InlineKeyboardMarkup, Message, Update, User
from telegram.error import TelegramError

from bot.i18n import N_, Lang
from bot.models import Coalition, Person
from bot.outbox import audience, durable
from bot.outbox.envelope import GROUP, Call, Envelope, Job, Lane, text_job
from bot.runtime import BotContext, Runtime
from bot.runtime.throttle import Verdict
from bot.services import group_admins, updates
from bot.services import members as member_service
from bot.services.errors import NotAllowed, UserError
from bot.services.members import Member, PersonInfo
from bot.views.common import too_many_commands
from bot.views.render import Render, user_error

KeyboardRender = Callable[[Lang], InlineKeyboardMarkup | ForceReply]
T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class Outgoing:
    """What a handler asked to say; made into an `Envelope` for its readers when it is handed over."""

    render: Render
    keyboard: KeyboardRender | None = None
    chat_id: int | None = None  # None: the chat of the update
    private_lang: Lang | None = None  # set for a private message to someone else
    after: Callable[[list[Message]], Awaitable[None]] | None = None  # e.g. remember a message id
    document: tuple[str, bytes] | None = None  # (filename, content): sent as a file, render is the caption
    quote: bool = False  # reply to the update's message (needed for a selective ForceReply)
    home: bool = False  # a post of the bot's own: to the coalition's home topic, if it has one
    durable: bool = False  # a row in this update's transaction, delivered however late (SPEC §11)
    completion: tuple[str, int] | None = None  # for a durable message: what to record once it is sent
    group: Coalition | None = None  # a post in this coalition's group, from another chat (a private button)


@dataclass
class Turn:
    """The handler's view of the update.

    `person` is the speaker as a `Person`: their row when the bot knows them, otherwise an
    unsaved one built from the Telegram user, so that replies find their language while a
    passer-by who only reads (/help, a button, /meetings) leaves nothing stored; handlers
    that record the person (joining, /start, authorship) call `stored_person`. `member` is
    their current membership of this chat's coalition (None after they left the group)."""

    runtime: Runtime
    session: AsyncSession
    chat: Chat
    user: User | None
    coalition: Coalition | None
    person: Person | None
    member: Member | None
    thread_id: int | None
    outbox: list[Outgoing] = field(default_factory=list)
    callback_answer: str | None = None
    deferred: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    calls: list[tuple[Call, Callable[[Any], Awaitable[None]] | None, str]] = field(default_factory=list)
    requests: list[tuple[str, dict[str, Any], tuple[str, int] | None]] = field(default_factory=list)
    frozen: tuple[list[Lang], Lang] | None = None  # languages resolved before a rollback
    privately: bool = False  # over the group command limit: answers go to the person's private chat

    @property
    def private(self) -> bool:
        return self.chat.type == Chat.PRIVATE

    @property
    def now(self) -> datetime:
        return self.runtime.clock.now()

    def freeze(self) -> None:
        """Resolve the reply languages now: a rollback detaches the rows they are read from."""
        self.frozen = (self.langs(), self.lang())

    def langs(self) -> list[Lang]:
        """Who reads a reply here: the group's languages, or the person in a private chat."""
        if self.frozen:
            return self.frozen[0]
        catalogs = self.runtime.catalogs
        if self.private or self.coalition is None:
            return [audience.person_lang(catalogs, self.person, self.coalition)]
        return audience.group_langs(catalogs, self.coalition)

    def lang(self) -> Lang:
        """The single language for things that cannot carry several blocks (button alerts)."""
        if self.frozen:
            return self.frozen[1]
        if self.coalition is not None and not self.private:
            code = member_service.reader_language(self.person, self.coalition)
            return self.runtime.catalogs.lang(code, self.coalition.timezone, self.coalition.country)
        return self.langs()[0]

    def reply(
        self,
        render: Render,
        keyboard: KeyboardRender | None = None,
        after: Callable[[list[Message]], Awaitable[None]] | None = None,
        quote: bool = False,
        home: bool = False,
        durable: bool = False,
        completion: tuple[str, int] | None = None,
    ) -> None:
        """Say something in this chat after the commit. `durable` messages are rows of this
        transaction (announcements, notices of changes): they survive a crash and an outage."""
        self.outbox.append(
            Outgoing(render, keyboard, after=after, quote=quote, home=home, durable=durable, completion=completion)
        )

    def ask(self, render: Render) -> None:
        """A question whose answer must reach the bot: it replies to the asker and forces a reply.

        With privacy mode on, a bot sees group messages only when they reply to it."""
        self.reply(render, lambda t: ForceReply(selective=True), quote=True)

    def post(self, coalition: Coalition, render: Render) -> None:
        """A durable post of the bot's own in `coalition`'s group (its home topic), in the
        group's languages, from whatever chat the update came (e.g. a private button)."""
        self.outbox.append(Outgoing(render, home=True, durable=True, group=coalition))

    def send_file(self, filename: str, content: bytes, caption: Render) -> None:
        self.outbox.append(Outgoing(caption, document=(filename, content)))

    def tell(
        self, person: Person, render: Render, keyboard: KeyboardRender | None = None, *, durable: bool = False
    ) -> None:
        """Queue a private message to someone else, in their language, if the bot may write to them."""
        if not audience.may_write(person):
            return
        lang = audience.person_lang(self.runtime.catalogs, person, self.coalition)
        self.outbox.append(Outgoing(render, keyboard, person.tg_user_id, lang, durable=durable))

    def defer(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` after the commit and the replies (e.g. refresh an announcement)."""
        self.deferred.append(work)

    def answer(self, render: Render) -> None:
        """The short text shown on a pressed button."""
        self.callback_answer = render(self.lang())

    def send(self, call: Call, *, after: Callable[[Any], Awaitable[None]] | None = None, label: str = "") -> None:
        """Any other request about this chat (a poll, a photo, an edit, a reaction), after the
        commit and in this chat's order; `after` receives Telegram's answer."""
        self.calls.append((call, after, label))

    def send_durable(self, method: str, params: dict[str, Any], *, completion: tuple[str, int] | None = None) -> None:
        """A request about this chat that is not text (a poll), as a durable row of this
        transaction (SPEC §11); `completion` names what records Telegram's answer, and for which row."""
        self.requests.append((method, params, completion))

    def clear_keyboard(self, update: Update) -> None:
        """Take the buttons off the message whose button was pressed (after the commit)."""
        message = update.callback_query.message if update.callback_query else None
        if message is not None:
            chat_id, message_id = message.chat.id, message.message_id
            self.send(
                lambda bot: bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None), label="buttons"
            )

    def send_texts(self, texts: list[str]) -> None:
        """Texts rendered after the commit (e.g. from Telegram's answer to `send`), to this chat."""
        sender = self.runtime.sender
        sender.submit(text_job(self.chat.id, texts, thread_id=self.thread_id, deadline=sender.reply_deadline()))

    def require_group(self) -> None:
        """Commands about the coalition work only in its group."""
        if self.private:
            raise NotAllowed(N_("This command works in the coalition's group."))

    def require_private(self) -> None:
        """Commands about oneself (timezone, export, concerns, erasure) work only in private."""
        if not self.private:
            raise NotAllowed(N_("This command works in a private chat with me."))

    async def stored_person(self) -> Person:
        """The speaker's row, created now if the bot did not know them: only what records the
        person (joining, /start, a preference, authorship of a record) calls this."""
        if self.person.id is None:
            self.session.add(self.person)
            await self.session.flush()
        return self.person

    async def is_admin(self, bot: Bot) -> bool:
        if self.private or self.user is None:
            return False
        return self.user.id in await self._admins(bot, self.chat.id, self.coalition)

    async def _admins(self, bot: Bot, chat_id: int, coalition: Coalition | None) -> frozenset[int]:
        """The group's administrators: the runtime's cache, refreshed from Telegram when stale
        (a read; the fresh list is stored for private chats). When Telegram cannot tell (the bot
        was removed from the group, the Bot API does not answer) the list stored last time
        stands in, so a paused coalition can still be managed privately (SPEC §3)."""
        try:
            ids, fresh = await self.runtime.admins.admins(bot, chat_id)
        except TelegramError:
            if coalition is None:
                raise
            log.info(
                "administrators of coalition %s not available from Telegram; the stored list is used", coalition.id
            )
            return await group_admins.of_coalition(self.session, coalition.id)
        if fresh and coalition is not None:
            await group_admins.record(self.session, coalition.id, ids)
        return ids

    async def record_admins(self, bot: Bot) -> None:
        """Store this group's administrators now (after /setup, when the bot is back in the group)."""
        ids, _ = await self.runtime.admins.admins(bot, self.chat.id)
        await group_admins.record(self.session, self.coalition.id, ids)

    async def is_manager(self, bot: Bot) -> bool:
        return bool(self.member and self.member.is_manager) or await self.is_admin(bot)

    async def member_of(self, coalition: Coalition) -> Member | None:
        """The sender's membership in `coalition`, also from another chat (buttons, replies in
        private): the one loaded with the update when it is this chat's coalition."""
        if self.member is not None and self.member.membership.coalition_id == coalition.id:
            return self.member
        known = self.person is not None and self.person.id is not None
        record = await member_service.membership(self.session, coalition, self.person) if known else None
        return Member(record, self.person) if record is not None and record.left_at is None else None

    async def manages(self, bot: Bot, coalition: Coalition, member: Member | None) -> bool:
        """Manager of `coalition` by role, or administrator of its group (from any chat)."""
        if member is not None and member.is_manager:
            return True
        return await self.administers(bot, coalition)

    async def administers(self, bot: Bot, coalition: Coalition) -> bool:
        """Telegram administrator of `coalition`'s group, asked from any chat."""
        return self.user is not None and self.user.id in await self._admins(bot, coalition.chat_id, coalition)


def person_info(user: User) -> PersonInfo:
    return PersonInfo(user.id, user.full_name, user.username, user.language_code)


def _passer_by(info: PersonInfo) -> Person:
    """Someone the bot does not know, as an unsaved row (see `Turn`)."""
    return Person(
        tg_user_id=info.tg_user_id,
        full_name=info.full_name,
        username=info.username,
        telegram_language=info.language_code,
    )


async def _load(runtime: Runtime, session: AsyncSession, update: Update) -> Turn:
    chat = update.effective_chat
    user = update.effective_user
    if user is not None and user.is_bot:
        user = None  # a bot's own message (e.g. a channel post) speaks for no person
    known = await member_service.speaker(
        session, None if chat.type == Chat.PRIVATE else chat.id, user.id if user else None
    )
    person = known.person
    if user is not None:
        info = person_info(user)
        person = await member_service.keep_current(session, person, info) if person else _passer_by(info)
    current = known.membership is not None and known.membership.left_at is None
    member = Member(known.membership, person) if current else None
    message = update.effective_message
    thread_id = message.message_thread_id if message is not None and message.is_topic_message else None
    return Turn(runtime, session, chat, update.effective_user, known.coalition, person, member, thread_id)


HandlerFn = Callable[[Turn, Update, BotContext], Awaitable[T]]


def handler(fn: HandlerFn[T]) -> Callable[[Update, BotContext], Awaitable[T | None]]:
    """Run `fn` in one transaction; send its replies after commit; answer UserErrors.

    The handler's return value is passed on (conversation states); after a UserError it is
    None, which keeps a conversation in its current step so the user can correct the input.
    """

    @functools.wraps(fn)
    async def wrapper(update: Update, context: BotContext) -> T | None:
        runtime = context.runtime
        turn: Turn | None = None
        result: T | None = None
        durable_ids: list[int] = []
        try:
            async with runtime.db.transaction() as session:
                if not await updates.first_time(session, context.bot.id, update.update_id, runtime.clock.now()):
                    log.info("update %s was already applied; ignored", update.update_id)
                    return None
                turn = await _load(runtime, session, update)
                verdict = _throttle(turn, update)
                if verdict is Verdict.WARN:
                    turn.outbox.append(Outgoing(too_many_commands))
                if verdict in (Verdict.WARN, Verdict.IGNORE):
                    log.info("update %s: a person's commands throttled (%s)", update.update_id, verdict.name)
                else:
                    turn.privately = verdict is Verdict.PRIVATELY
                    try:
                        result = await fn(turn, update, context)
                    except UserError:
                        turn.freeze()
                        raise
                durable_ids = await _write_durable(turn, update)
        except UserError as error:
            if turn is None:
                raise
            turn.deferred.clear()
            turn.calls.clear()
            durable_ids = []
            refusal = error  # `error` is unbound after the except block; the lambda runs later
            if update.callback_query is not None:
                turn.outbox, turn.callback_answer = [], user_error(turn.lang(), refusal)
            else:
                turn.outbox = [Outgoing(lambda t: user_error(t, refusal))]
        _deliver(turn, update, context)
        if durable_ids:
            await runtime.outbox.enqueue(durable_ids)
        for work in turn.deferred:
            await work()
        return result

    return wrapper


def _thread(turn: Turn, item: Outgoing) -> int | None:
    """Forum topics (SPEC §3): replies stay in the command's topic; the bot's own posts go home."""
    if item.home and turn.coalition is not None and turn.coalition.topic_id is not None:
        return turn.coalition.topic_id
    return turn.thread_id


def _throttle(turn: Turn, update: Update) -> Verdict:
    """SPEC §12: a person's commands in a group beyond the limit (see `CommandThrottle`)."""
    message = update.effective_message
    text = (message.text or "") if message is not None and update.callback_query is None else ""
    if turn.private or turn.user is None or not text.startswith("/"):
        return Verdict.ANSWER
    command = text[1:].split(maxsplit=1)[0].split("@")[0].lower() if len(text) > 1 else ""
    return turn.runtime.throttle.judge(
        turn.chat.id,
        turn.user.id,
        command,
        member=turn.member is not None,
        writable=audience.may_write(turn.person),
        now=turn.runtime.clock.monotonic(),
    )


def _envelope(turn: Turn, update: Update, item: Outgoing) -> Envelope:
    """Who reads `item` and where it goes: decided by `audience`, once, for every reply."""
    if turn.privately and item.private_lang is None and item.chat_id is None and not (item.home or item.durable):
        # over the command limit: the answer goes to the person, in their language (SPEC §12);
        # what the group must see (announcements, notices of changes) stays in the group
        lang = audience.person_lang(turn.runtime.catalogs, turn.person, turn.coalition)
        langs = [lang]
        return Envelope(
            "private", turn.person.tg_user_id, item.render, langs, item.keyboard(lang) if item.keyboard else None
        )
    if item.private_lang is not None:
        langs, chat_id, thread, recipient = [item.private_lang], item.chat_id, None, "private"
    elif item.group is not None:
        group = item.group
        langs, chat_id, recipient = audience.group_langs(turn.runtime.catalogs, group), group.chat_id, GROUP
        thread = group.topic_id
    else:
        langs, chat_id, thread, recipient = turn.langs(), item.chat_id or turn.chat.id, _thread(turn, item), GROUP
    message = update.effective_message
    user = turn.user
    return Envelope(
        recipient,
        chat_id,
        item.render,
        langs,
        keyboard=item.keyboard(langs[0]) if item.keyboard else None,
        thread_id=thread,
        reply_to=message.message_id if item.quote and message is not None else None,
        answers=user.mention_html() if user is not None and not turn.private and chat_id == turn.chat.id else None,
    )


async def _write_durable(turn: Turn, update: Update) -> list[int]:
    """Durable replies and requests become rows of the update's own transaction (SPEC §11)."""
    ids = []
    coalition_id = turn.coalition.id if turn.coalition else None
    for method, params, completion in turn.requests:
        name, ref = completion or (None, None)
        row = await durable.write_request(
            turn.session,
            turn.chat.id,
            method,
            params,
            turn.now,
            thread_id=turn.thread_id,
            coalition_id=coalition_id,
            completion=name,
            ref=ref,
        )
        ids.append(row.id)
    for item in [item for item in turn.outbox if item.durable]:
        completion, ref = item.completion or (None, None)
        about = item.group or turn.coalition
        row = await durable.write(
            turn.session,
            _envelope(turn, update, item),
            turn.now,
            coalition_id=about.id if about else None,
            completion=completion,
            ref=ref,
        )
        ids.append(row.id)
    turn.outbox = [item for item in turn.outbox if not item.durable]
    return ids


def _deliver(turn: Turn, update: Update, context: BotContext) -> None:
    """Hand everything this update says to the sender; nothing here waits on Telegram."""
    sender = turn.runtime.sender
    query: CallbackQuery | None = update.callback_query
    if query is not None:
        sender.answer_callback(context.bot, query.id, turn.callback_answer)
    deadline = sender.reply_deadline()
    for item in turn.outbox:
        envelope = _envelope(turn, update, item)
        if item.document is not None:
            filename, content = item.document
            caption = item.render(envelope.langs[0])

            async def upload(
                bot: Bot, chat: int = envelope.chat_id, name: str = filename, data: bytes = content, text: str = caption
            ) -> Message:
                return await bot.send_document(
                    chat, data, filename=name, caption=text, message_thread_id=turn.thread_id
                )

            sender.submit(Job(envelope.chat_id, Lane.REPLY, call=upload, deadline=deadline, label=filename))
            continue
        sender.submit(
            Job(
                envelope.chat_id,
                Lane.REPLY,
                texts=envelope.texts(),
                keyboard=envelope.keyboard,
                thread_id=envelope.thread_id,
                reply_to=envelope.reply_to,
                answers=envelope.answers,
                after=item.after,
                deadline=deadline,
            )
        )
    for call, after, label in turn.calls:
        sender.submit(Job(turn.chat.id, Lane.REPLY, call=call, after=_first(after), deadline=deadline, label=label))


def _first(after: Callable[[Any], Awaitable[None]] | None) -> Callable[[list[Any]], Awaitable[None]] | None:
    """`Turn.send` callers get Telegram's one answer, not the list of parts."""
    if after is None:
        return None

    async def first(results: list[Any]) -> None:
        await after(results[0])

    return first
