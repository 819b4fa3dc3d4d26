"""The per-person command throttle in groups (SPEC §12), kept in process memory.

One person's commands in one group beyond `per_minute` a minute (`COMMANDS_PER_MINUTE`, 5) are answered privately when
the bot may write to them; otherwise the bot says once "too many commands, wait a minute"
and ignores that person's commands for the rest of the minute. A non-member's commands
(other than those that make one a member or explain the bot) get at most one answer a minute.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum

WINDOW = 60.0
FREE_FOR_OUTSIDERS = frozenset({"join", "help", "start"})


class Verdict(Enum):
    ANSWER = "answer"  # in the group, as usual
    PRIVATELY = "privately"  # over the limit: the answer goes to the person's private chat
    WARN = "warn"  # over the limit and not writable: one warning, the command is ignored
    IGNORE = "ignore"  # already warned (or an outsider answered this minute): nothing at all


@dataclass
class CommandThrottle:
    per_minute: int = 5  # 0: no throttle
    _recent: dict[tuple[int, int], deque[float]] = field(default_factory=dict)
    _silenced: dict[tuple[int, int], float] = field(default_factory=dict)  # → until
    _outsiders: dict[tuple[int, int], float] = field(default_factory=dict)  # → last answer

    def judge(self, chat_id: int, user_id: int, command: str, *, member: bool, writable: bool, now: float) -> Verdict:
        key = (chat_id, user_id)
        if self.per_minute <= 0:
            return Verdict.ANSWER
        if self._silenced.get(key, 0.0) > now:
            return Verdict.IGNORE
        if not member and command not in FREE_FOR_OUTSIDERS:
            if now - self._outsiders.get(key, -WINDOW) < WINDOW:
                return Verdict.IGNORE
            self._outsiders[key] = now
        window = self._recent.setdefault(key, deque())
        while window and window[0] <= now - WINDOW:
            window.popleft()
        window.append(now)
        if len(window) <= self.per_minute:
            return Verdict.ANSWER
        if writable:
            return Verdict.PRIVATELY
        self._silenced[key] = window[0] + WINDOW
        return Verdict.WARN

    def forget_before(self, now: float) -> None:
        """Drop what no longer counts (called now and then, so memory stays small)."""
        for key in [k for k, w in self._recent.items() if not w or w[-1] <= now - WINDOW]:
            del self._recent[key]
        for table in (self._silenced, self._outsiders):
            for key in [k for k, until in table.items() if until <= now - WINDOW]:
                del table[key]
