"""The Bot API methods the emulator implements; any other method of the table answers 501.

Each handler takes the state and the already validated parameters and returns the
``result`` Telegram would send, or raises ``ApiError``; handler names are the method names
in snake_case.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from . import bot_account, chats, messaging
from .state import World

Handler = Callable[[World, dict[str, Any]], Any | Awaitable[Any]]

HANDLERS: dict[str, Handler] = {
    "getMe": bot_account.get_me,
    "logOut": bot_account.log_out_or_close,
    "close": bot_account.log_out_or_close,
    "getUpdates": bot_account.get_updates,
    "setWebhook": bot_account.set_webhook,
    "deleteWebhook": bot_account.delete_webhook,
    "getWebhookInfo": bot_account.get_webhook_info,
    "setMyCommands": bot_account.set_my_commands,
    "getMyCommands": bot_account.get_my_commands,
    "deleteMyCommands": bot_account.delete_my_commands,
    "getChat": chats.get_chat,
    "getChatMember": chats.get_chat_member,
    "getChatAdministrators": chats.get_chat_administrators,
    "getChatMemberCount": chats.get_chat_member_count,
    "sendMessage": messaging.send_message,
    "sendDocument": messaging.send_document,
    "sendPhoto": messaging.send_photo,
    "sendPoll": messaging.send_poll,
    "editMessageText": messaging.edit_message_text,
    "editMessageReplyMarkup": messaging.edit_message_reply_markup,
    "stopPoll": messaging.stop_poll,
    "deleteMessage": messaging.delete_message,
    "setMessageReaction": messaging.set_message_reaction,
    "answerCallbackQuery": messaging.answer_callback_query,
    "sendChatAction": messaging.send_chat_action,
}
