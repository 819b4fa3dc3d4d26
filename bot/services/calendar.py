"""iCalendar (RFC 5545) export of a meeting, made with the `icalendar` library."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.models import Coalition, Meeting
from bot.services.meetings import LENGTH


def meeting_ics(coalition: Coalition, meeting: Meeting, summary: str) -> bytes:
    """One VEVENT in the coalition's timezone, with its VTIMEZONE so calendars place it right."""
    zone = ZoneInfo(coalition.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//coalition-bot//Country Coalition//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@coalition-bot")  # stable: a reschedule updates it
    event.add("sequence", meeting.revision - 1)
    event.add("dtstamp", meeting.created_at)
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", (meeting.starts_at + LENGTH).astimezone(zone))
    event.add("summary", summary)
    if meeting.location:
        event.add("location", meeting.location)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
