"""Finding the chat a request names, with Telegram's refusals, and the chat-info methods."""

from typing import Any

from .actors import admin_rights
from .errors import ApiError, bad_request, forbidden
from .state import ADMIN_STATUSES, MEMBER_STATUSES, Chat, World


def resolve(world: World, chat_id: int | str) -> Chat:
    """The chat ``chat_id`` names; refuses unknown chats and groups upgraded to supergroups."""
    chat = world.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        raise bad_request("chat not found")
    if chat.migrated_to is not None:
        raise ApiError(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": chat.migrated_to},
        )
    return chat


def writable(world: World, chat_id: int | str) -> Chat:
    """A chat the bot may post in: started and not blocked, or a group the bot belongs to."""
    chat = resolve(world, chat_id)
    if chat.is_private:
        if chat.id in world.blocked:
            raise forbidden("bot was blocked by the user")
        if chat.id not in world.started:
            raise forbidden("bot can't initiate conversation with a user")
    elif chat.bot_status not in MEMBER_STATUSES:
        raise forbidden(f"bot is not a member of the {chat.type} chat")
    return chat


def member_json(user: dict, status: str) -> dict[str, Any]:
    """A ChatMember object of the variant matching ``status``, with its required fields."""
    member: dict[str, Any] = {"user": user, "status": status}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(admin_rights())
    elif status == "kicked":
        member["until_date"] = 0
    return member


def get_chat(world: World, p: dict) -> dict[str, Any]:
    chat = resolve(world, p["chat_id"])
    no_gifts = dict.fromkeys(
        ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"), False
    )
    return {**chat.as_json(), "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": no_gifts}


def get_chat_member(world: World, p: dict) -> dict[str, Any]:
    chat, user_id = resolve(world, p["chat_id"]), p["user_id"]
    if user_id == world.bot["id"]:
        return member_json(world.bot, "member" if chat.is_private else chat.bot_status)
    if user_id not in world.users:
        raise bad_request("user not found")
    status = ("member" if user_id == chat.id else "left") if chat.is_private else chat.members.get(user_id, "left")
    return member_json(world.users[user_id], status)


def get_chat_administrators(world: World, p: dict) -> list[dict]:
    chat = resolve(world, p["chat_id"])
    if chat.is_private:
        raise bad_request("there are no administrators in the private chat")
    chat = writable(world, chat.id)
    admins = [member_json(world.users[uid], status) for uid, status in chat.members.items() if status in ADMIN_STATUSES]
    if chat.bot_status in ADMIN_STATUSES:
        admins.append(member_json(world.bot, chat.bot_status))
    return admins


def get_chat_member_count(world: World, p: dict) -> int:
    chat = resolve(world, p["chat_id"])
    if chat.is_private:
        return 2
    return sum(status in MEMBER_STATUSES for status in [*chat.members.values(), chat.bot_status])
