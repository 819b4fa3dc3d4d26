"""Callback data: short ASCII tokens (Telegram allows 64 bytes), never user text.

Each builder has a matching pattern used by the handler registration, so the format lives
in one place.
"""

from __future__ import annotations

JOIN_PATTERN = r"^j:([a-z_]{1,20})$"
APPROVE_PATTERN = r"^a:(\d{1,18})$"


def join(role: str) -> str:
    return f"j:{role}"


def approve(membership_id: int) -> str:
    return f"a:{membership_id}"


RSVP_PATTERN = r"^r:"
RSVP_DATA = r"^r:(\d{1,18}):(yes|online|no)$"


def rsvp(meeting_id: int, choice: str) -> str:
    return f"r:{meeting_id}:{choice}"
