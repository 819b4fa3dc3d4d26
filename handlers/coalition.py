"""Handlers for the coalition itself: /setup, /settings, /language, /timezone, greeting, migration."""

from __future__ import annotations

from telegram import Update

from bot.i18n import N_
from bot.runtime import BotContext
from bot.services import coalitions as coalition_service
from bot.services import parsing
from bot.services.errors import InvalidInput, NotAllowed
from bot.views import coalition as views
from handlers import dashboard
from handlers.turn import Turn, handler


async def require_group_manager(turn: Turn, context: BotContext) -> None:
    turn.require_group()
    coalition_service.ensure(turn.coalition)
    if not await turn.is_manager(context.bot):
        raise NotAllowed(N_("Only the coalition's managers may do this."))


@handler
async def setup(turn: Turn, update: Update, context: BotContext) -> None:
    turn.require_group()
    if not await turn.is_admin(context.bot):
        raise NotAllowed(N_("Only a group administrator can set up the coalition."))
    request = coalition_service.SetupRequest.parse(context.args or [])
    turn.coalition, created = await coalition_service.setup(
        turn.session, turn.chat.id, turn.chat.title or "", request, turn.now
    )
    coalition = turn.coalition
    await turn.record_admins(context.bot)  # so its administrators manage it from private chats too
    turn.reply(lambda t: views.setup_done(t, coalition, created))


@handler
async def settings(turn: Turn, update: Update, context: BotContext) -> None:
    await require_group_manager(turn, context)
    coalition = turn.coalition
    args = context.args or []
    if not args:
        turn.reply(lambda t: views.settings_overview(t, coalition, dashboard.settings_lines(turn, t)))
        return
    if args[0].lower() in ("public", "network"):
        if len(args) < 2:
            raise InvalidInput(N_("Give a value: /settings {name} <value>."), name=args[0])
        await dashboard.change(turn, context, args[0].lower(), args[1])
        return
    if args[0].lower() == "topic":
        coalition_service.set_home_topic(coalition, turn.thread_id)
        turn.session.add(coalition)
        turn.reply(lambda t: views.setting_changed(t, coalition))
        return
    if len(args) < 2:
        raise InvalidInput(N_("Give a value: /settings {name} <value>."), name=args[0])
    await coalition_service.change_setting(turn.session, coalition, args[0], " ".join(args[1:]), turn.now)
    turn.reply(lambda t: views.setting_changed(t, coalition))


@handler
async def language(turn: Turn, update: Update, context: BotContext) -> None:
    args = context.args or []
    if not args:
        raise InvalidInput(N_("Give a language: /language en, fr or ar."))
    if turn.private:
        (await turn.stored_person()).language = parsing.parse_language(args[0])
        turn.reply(views.own_language_set)
        return
    await require_group_manager(turn, context)
    await coalition_service.change_setting(turn.session, turn.coalition, "language", "".join(args), turn.now)
    coalition = turn.coalition
    turn.reply(lambda t: views.setting_changed(t, coalition))


@handler
async def timezone(turn: Turn, update: Update, context: BotContext) -> None:
    turn.require_private()
    args = context.args or []
    if not args:
        raise InvalidInput(N_("Give a timezone: /timezone Europe/Paris."))
    zone = parsing.parse_timezone(args[0])
    (await turn.stored_person()).timezone = zone
    now = turn.now
    turn.reply(lambda t: views.own_timezone_set(t, zone, now))


@handler
async def bot_added(turn: Turn, update: Update, context: BotContext) -> None:
    """Greet once when the bot itself joins a group, in the language of whoever added it.
    Anyone arriving may be an administrator: the cached list is dropped."""
    turn.runtime.admins.forget(update.effective_message.chat_id)
    if not any(user.id == context.bot.id for user in update.effective_message.new_chat_members):
        return
    if turn.coalition is None:  # no coalition yet: langs() is the adder's language
        turn.reply(views.greeting)


@handler
async def migrated(turn: Turn, update: Update, context: BotContext) -> None:
    """Group → supergroup: keep the coalition under the new chat id (either service message)."""
    message = update.effective_message
    if message.migrate_to_chat_id:
        await coalition_service.migrate(turn.session, message.chat_id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        await coalition_service.migrate(turn.session, message.migrate_from_chat_id, message.chat_id)
    turn.runtime.admins.forget(message.chat_id)
