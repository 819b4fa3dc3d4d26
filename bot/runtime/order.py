"""Updates of different chats side by side, those of one chat or one person in arrival order.

On PostgreSQL most of an update's time is spent waiting for the server; handling the
updates of other chats meanwhile is where the throughput of SPEC §12 comes from. What
must not change is what a member sees: a group's commands are applied in the order they
were sent (`/meeting` before the `/cancel` that follows it), and one person's updates too,
across chats (a `/join` in the group before the `/report` in private that needs it).

Each update waits in one line per chat, per person and per poll it concerns and runs once it heads
all of its lines. Lines are joined in arrival order, before any await, so an update never
overtakes an earlier one that shares a chat or a person with it, and no two updates can
wait for each other (no deadlock). A private chat's id is its person's id: one line.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class _Waiter:
    __slots__ = ("keys", "ready")

    def __init__(self, keys: frozenset[Hashable], ready: asyncio.Future[None]) -> None:
        self.keys = keys
        self.ready = ready


_OPEN = 1 << 20  # PTB's own gate, before the lines, would let waiting updates fill every slot


class ChatOrder(BaseUpdateProcessor):
    """PTB's concurrent update processing, ordered per chat and per person.

    PTB admits an update through its semaphore before `do_process_update`, which it does
    not let a subclass change; the limit is applied here instead, once the update heads its
    lines, so updates waiting behind a busy chat never hold a slot another chat could use.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(_OPEN)
        if max_concurrent_updates < 1:
            raise ValueError("max_concurrent_updates must be a positive integer")
        self._limit = max_concurrent_updates
        self._gate = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._running = 0
        self._lines: dict[Hashable, deque[_Waiter]] = {}

    @property
    def limit(self) -> int:
        """How many updates run at once (PTB's `max_concurrent_updates` is its open gate's size)."""
        return self._limit

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        """Chats and persons with an update running or waiting (0 when idle: nothing is kept)."""
        return len(self._lines)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        waiter = self._join(_keys(update))
        try:
            await waiter.ready
            async with self._gate:
                self._running += 1
                try:
                    await coroutine
                finally:
                    self._running -= 1
        finally:
            self._leave(waiter)
            if asyncio.iscoroutine(coroutine):
                coroutine.close()  # a no-op once it ran; otherwise no "never awaited" warning

    async def initialize(self) -> None:
        """Nothing to set up: the lines live only while updates wait in them."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _join(self, keys: frozenset[Hashable]) -> _Waiter:
        waiter = _Waiter(keys, asyncio.get_running_loop().create_future())
        for key in keys:
            self._lines.setdefault(key, deque()).append(waiter)
        self._wake(waiter)
        return waiter

    def _leave(self, waiter: _Waiter) -> None:
        for key in waiter.keys:
            line = self._lines[key]
            line.remove(waiter)  # at the head once it ran; anywhere if cancelled while waiting
            if line:
                self._wake(line[0])
            else:
                del self._lines[key]

    def _wake(self, waiter: _Waiter) -> None:
        if not waiter.ready.done() and all(self._lines[key][0] is waiter for key in waiter.keys):
            waiter.ready.set_result(None)


SERVICE_ACCOUNTS = frozenset({777000})
"""Telegram's own account (posts forwarded from a linked channel): a person of no one's line."""


def _keys(update: object) -> frozenset[Hashable]:
    """The lines an update waits in: its chat, its person, the member a membership change is
    about (an administrator removing Y is ordered with Y's own updates) and its poll (Telegram
    sends a poll's counts again after every vote: the newer must not be overwritten by the
    older). A private chat's id is its person's id: one line. Bots, such as the account of
    anonymous administrators, are nobody's line: they would join every group into one."""
    if not isinstance(update, Update):
        return frozenset()
    keys: set[Hashable] = set()
    if update.effective_chat is not None:
        keys.add(update.effective_chat.id)
    people = [update.effective_user]
    membership = update.chat_member or update.my_chat_member
    if membership is not None:
        people.append(membership.new_chat_member.user)
    message = update.effective_message
    if message is not None:
        people.extend((*message.new_chat_members, message.left_chat_member))
    keys.update(u.id for u in people if u is not None and not u.is_bot and u.id not in SERVICE_ACCOUNTS)
    poll = update.poll.id if update.poll else update.poll_answer.poll_id if update.poll_answer else None
    if poll is not None:
        keys.add(("poll", poll))
    return frozenset(keys)
