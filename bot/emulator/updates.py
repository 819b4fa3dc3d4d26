"""The bot's update queue with Telegram's ``getUpdates`` long-polling semantics."""

import asyncio
import copy

# Telegram's default when allowed_updates was never set or set to [].
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue:
    """Pending updates until the bot confirms them with a higher ``offset``.

    A newer ``getUpdates`` supersedes a waiting one, which then returns ``[]`` at once (real
    Telegram answers it with 409; PTB abandons its poll on shutdown, and a 409 nobody reads
    would only pollute the rejected-request log).
    """

    def __init__(self) -> None:
        self.pending: list[dict] = []
        self._next_id = 1
        self._allowed: frozenset[str] = frozenset()
        self._arrived = asyncio.Event()
        self._generation = 0

    def allows(self, kind: str) -> bool:
        """Whether the current ``allowed_updates`` setting lets this update type be queued."""
        return kind in self._allowed if self._allowed else kind not in _NOT_BY_DEFAULT

    def set_allowed(self, kinds: list[str]) -> None:
        """Remember ``allowed_updates``; like Telegram, it only affects updates created later."""
        self._allowed = frozenset(kinds)

    @property
    def last_update_id(self) -> int:
        """The id of the newest update created (0 before the first)."""
        return self._next_id - 1

    def push(self, kind: str, payload: dict) -> dict | None:
        """Queue an update unless the bot opted out of its type; returns the queued update."""
        if not self.allows(kind):
            return None
        # A snapshot: later edits must not change what the bot already received.
        update = {"update_id": self._next_id, kind: copy.deepcopy(payload)}
        self._next_id += 1
        self.pending.append(update)
        self._wake()
        return update

    def drop_pending(self) -> None:
        """``drop_pending_updates=True``: forget everything not yet confirmed."""
        self.pending.clear()

    def release_waiters(self) -> None:
        """End every waiting poll with ``[]`` so the server can shut down immediately."""
        self._generation += 1
        self._wake()

    async def get(self, offset: int | None, limit: int, timeout: float) -> list[dict]:
        """Confirm updates below ``offset``, then return up to ``limit``, waiting ``timeout`` s."""
        if offset is not None:
            self._confirm(offset)
        self.release_waiters()  # a superseded poll returns now
        generation = self._generation
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout)
        while not self.pending and (remaining := deadline - loop.time()) > 0:
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                break
            if generation != self._generation:
                return []
        return self.pending[: max(1, min(limit, 100))]

    def _confirm(self, offset: int) -> None:
        if offset < 0:  # Telegram: keep only the last -offset updates
            del self.pending[:offset]
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

    def _wake(self) -> None:
        self._arrived.set()
        self._arrived = asyncio.Event()
