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


# Progress reports: replace / keep a duplicate, or choose the coalition, for the pending
# report `token` (a random 8-hex tag: buttons of an older report no longer apply).
REPORT_PATTERN = r"^pr:"
REPORT_DATA = r"^pr:(r|k|c):([0-9a-f]{8})(?::(\d{1,18}))?$"
EXPORT_PATTERN = r"^px:(\d{1,18})$"


def report_replace(token: str) -> str:
    return f"pr:r:{token}"


def report_keep(token: str) -> str:
    return f"pr:k:{token}"


def report_coalition(token: str, coalition_id: int) -> str:
    return f"pr:c:{token}:{coalition_id}"


def export_coalition(coalition_id: int) -> str:
    return f"px:{coalition_id}"


ARTICLE7_PATTERN = r"^a7:(\d{4}):(d|s):(\d{1,18})$"


def article7_coalition(year: int, submitted: bool, coalition_id: int) -> str:
    """`/article7 YYYY [submitted]` for one of several coalitions: the draft (d) or the record (s)."""
    return f"a7:{year}:{'s' if submitted else 'd'}:{coalition_id}"


CONCERN_PATTERN = r"^cc:(\d{1,18})$"


def concern_coalition(coalition_id: int) -> str:
    """The coalition an anonymous concern is for: only the coalition id, never the text or sender."""
    return f"cc:{coalition_id}"


# Action points: an owner's one-tap status (mid-term request); circulating a mid-term draft.
ACTION_STATUS_PATTERN = r"^ap:"
ACTION_STATUS_DATA = r"^ap:(\d{1,18}):(open|progress|blocked|done)$"
MIDTERM_PATTERN = r"^mt:(\d{1,18})$"


def action_status(action_id: int, status: str) -> str:
    return f"ap:{action_id}:{status}"


def midterm_circulate(reminder_id: int) -> str:
    return f"mt:{reminder_id}"


FORGET_PATTERN = r"^fg:(yes|no)$"


def forget(confirmed: bool) -> str:
    return f"fg:{'yes' if confirmed else 'no'}"
