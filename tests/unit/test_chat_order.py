"""Concurrent update processing keeps each chat's and each person's updates in order
(`bot.runtime.order.ChatOrder`), fed as PTB's Application feeds it: one task per update,
created in the order the updates arrived."""

from __future__ import annotations

import asyncio
from itertools import pairwise

from telegram import Chat, ChatMemberLeft, ChatMemberMember, ChatMemberUpdated, Message, Update, User

from bot.runtime.order import ChatOrder

GROUP_A, GROUP_B = -100, -200


ANONYMOUS_ADMIN = 1087968824  # the bot account Telegram shows for an anonymous administrator


def _chat(chat_id: int) -> Chat:
    return Chat(chat_id, Chat.PRIVATE if chat_id > 0 else Chat.SUPERGROUP)


def _user(user_id: int) -> User:
    return User(user_id, f"U{user_id}", is_bot=user_id == ANONYMOUS_ADMIN)


def _update(update_id: int, chat_id: int, user_id: int) -> Update:
    message = Message(update_id, None, _chat(chat_id), from_user=_user(user_id), text="/x")  # type: ignore[arg-type]
    return Update(update_id, message=message)


def _removal(update_id: int, chat_id: int, by: int, member: int) -> Update:
    """`chat_member`: `by` (an administrator) removes `member` from the group."""
    change = ChatMemberUpdated(
        _chat(chat_id),
        _user(by),
        None,  # type: ignore[arg-type]
        ChatMemberMember(_user(member)),
        ChatMemberLeft(_user(member)),
    )
    return Update(update_id, chat_member=change)


def _poll(update_id: int, poll_id: str) -> Update:
    """Telegram's new counts of a poll (as the emulator sends them): no chat, no person."""
    options = [{"persistent_id": str(i), "text": t, "voter_count": update_id * (1 - i)} for i, t in enumerate("yn")]
    poll = {
        "id": poll_id,
        "question": "?",
        "options": options,
        "total_voter_count": update_id,
        "is_closed": False,
        "is_anonymous": False,
        "type": "regular",
        "allows_multiple_answers": False,
        "allows_revoting": True,
        "members_only": False,
    }
    return Update.de_json({"update_id": update_id, "poll": poll}, None)


class _Trace:
    """Records when each update starts and ends; each takes a few loop turns (awaits the database)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []
        self.running = 0
        self.most = 0

    async def handle(self, update: Update, turns: int = 3) -> None:
        self.events.append(("start", update.update_id))
        self.running += 1
        self.most = max(self.most, self.running)
        for _ in range(turns):
            await asyncio.sleep(0)
        self.running -= 1
        self.events.append(("end", update.update_id))

    def order(self, ids: list[int]) -> list[int]:
        """The start order of these updates."""
        return [i for kind, i in self.events if kind == "start" and i in ids]

    def overlapped(self, first: int, second: int) -> bool:
        return self.events.index(("start", second)) < self.events.index(("end", first))


async def _feed(order: ChatOrder, trace: _Trace, updates: list[Update], turns: int = 3) -> None:
    tasks = [asyncio.create_task(order.process_update(u, trace.handle(u, turns))) for u in updates]
    await asyncio.gather(*tasks)


async def test_one_chat_runs_in_order_while_other_chats_run_beside_it():
    order, trace = ChatOrder(4), _Trace()
    updates = [_update(i, GROUP_A if i % 2 else GROUP_B, 1000 + i) for i in range(1, 11)]
    await _feed(order, trace, updates)
    a = [u.update_id for u in updates if u.effective_chat.id == GROUP_A]
    b = [u.update_id for u in updates if u.effective_chat.id == GROUP_B]
    assert trace.order(a) == a and trace.order(b) == b
    for first, second in pairwise(a):
        assert not trace.overlapped(first, second)  # one chat: never side by side
    assert trace.overlapped(1, 2)  # two chats: side by side
    assert order.waiting == 0  # nothing kept once idle


async def test_one_person_in_two_chats_is_served_in_order():
    """A /join in the group before the /report in private that needs it."""
    order, trace = ChatOrder(4), _Trace()
    updates = [_update(1, GROUP_A, 7), _update(2, 7, 7), _update(3, GROUP_B, 7), _update(4, -300, 8)]
    await _feed(order, trace, updates)
    assert trace.order([1, 2, 3]) == [1, 2, 3]
    assert not trace.overlapped(1, 2) and not trace.overlapped(2, 3)
    assert trace.overlapped(1, 4)  # another person in another chat does not wait


async def test_a_flooded_chat_does_not_hold_the_slots_other_chats_need():
    """Thirty updates of one group queued first, then one of another chat: with two slots it
    starts while the flood's first update still runs, not after the flood."""
    order, trace = ChatOrder(2), _Trace()
    flood = [_update(i, GROUP_A, 1000 + i) for i in range(1, 31)]
    other = _update(99, GROUP_B, 5)
    await _feed(order, trace, [*flood, other], turns=5)
    assert trace.overlapped(1, 99)
    assert trace.most <= 2


async def test_the_limit_is_kept_across_many_chats():
    order, trace = ChatOrder(3), _Trace()
    await _feed(order, trace, [_update(i, -i, i) for i in range(1, 21)])
    assert trace.most == 3
    assert order.limit == 3 and order.running == 0


async def test_an_update_cancelled_while_waiting_leaves_its_line():
    order, trace = ChatOrder(4), _Trace()
    first, second, third = (_update(i, GROUP_A, 1000 + i) for i in (1, 2, 3))
    tasks = [asyncio.create_task(order.process_update(u, trace.handle(u, 5))) for u in (first, second, third)]
    await asyncio.sleep(0)
    tasks[1].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert trace.order([1, 2, 3]) == [1, 3]
    assert order.waiting == 0


async def test_a_polls_counts_are_applied_in_order_and_other_polls_beside_them():
    """A poll update names no chat and no person; the newer counts must not be overwritten by older."""
    order, trace = ChatOrder(4), _Trace()
    await _feed(order, trace, [_poll(1, "P1"), _poll(2, "P1"), _poll(3, "P2")])
    assert not trace.overlapped(1, 2)
    assert trace.overlapped(1, 3)


async def test_removing_a_member_is_ordered_with_that_members_own_updates():
    """An administrator (5) removes member 7 while 7 writes to the bot in private."""
    order, trace = ChatOrder(4), _Trace()
    await _feed(order, trace, [_removal(1, GROUP_A, 5, 7), _update(2, 7, 7)])
    assert not trace.overlapped(1, 2)


async def test_an_anonymous_administrator_does_not_join_two_groups_into_one_line():
    order, trace = ChatOrder(4), _Trace()
    await _feed(order, trace, [_update(1, GROUP_A, ANONYMOUS_ADMIN), _update(2, GROUP_B, ANONYMOUS_ADMIN)])
    assert trace.overlapped(1, 2)
