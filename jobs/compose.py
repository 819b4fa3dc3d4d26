"""Building the messages of one scheduled reminder: the group post and private messages.

Each kind of reminder has a composer (`Composer`) that receives a `Compose` context and
returns the messages to send; the dispatcher owns claiming, recording and sending.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup

from bot.i18n import Lang
from bot.models import Coalition, Meeting, Person, Reminder
from bot.outbox import audience
from bot.outbox.envelope import Envelope
from bot.runtime import Runtime
from bot.services import recipients
from bot.services import reminders as rules
from bot.services.members import Member
from bot.services.roles import MANAGER_ROLES
from bot.views.render import Render

KeyboardRender = Callable[[Lang], InlineKeyboardMarkup]


Message = Envelope
"""A composed message is the sender's envelope: replies and scheduled messages are one type."""


@dataclass
class Compose:
    """What a composer may use: the reminder, its coalition (and meeting), the database.

    `notices` are messages sent after the transaction without a `Delivery` row each (as the
    dispatcher's late notices are): for a composer whose work removes the reminder's own row."""

    runtime: Runtime
    session: AsyncSession
    reminder: Reminder
    coalition: Coalition
    meeting: Meeting | None
    notices: list[Message] = field(default_factory=list)

    def group_langs(self) -> list[Lang]:
        return audience.group_langs(self.runtime.catalogs, self.coalition)

    def group(self, render: Render, keyboard: KeyboardRender | None = None) -> Message:
        """The post in the coalition's group (its bot topic, if set), one block per language."""
        langs = self.group_langs()
        return Message(
            rules.GROUP,
            self.coalition.chat_id,
            render,
            langs,
            keyboard(langs[0]) if keyboard else None,
            self.coalition.topic_id,
        )

    def private(self, people: list[Member], render: Render, keyboard: KeyboardRender | None = None) -> list[Message]:
        """A private message to each reachable member, in their language and timezone."""
        return self.to_people([member.person for member in people], render, keyboard)

    def to_people(self, people: list[Person], render: Render, keyboard: KeyboardRender | None = None) -> list[Message]:
        """`private`, for people who need not be members (a group's administrators)."""
        messages = []
        for person in people:
            if not audience.may_write(person):
                continue
            lang = audience.person_lang(self.runtime.catalogs, person, self.coalition)
            messages.append(
                Message(
                    rules.person_recipient(person.id),
                    person.tg_user_id,
                    render,
                    [lang],
                    keyboard(lang) if keyboard else None,
                )
            )
        return messages

    async def with_roles(self, roles: frozenset[str]) -> list[Member]:
        return await recipients.active_members(self.session, self.coalition.id, roles)

    async def managers(self) -> list[Member]:
        return await self.with_roles(MANAGER_ROLES)


Composer = Callable[[Compose], Awaitable[list[Message]]]
