"""Render events as an RFC 5545 calendar with the icalendar library."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event

from compliance.db import utcnow
from compliance.feeds.sources import CalendarEvent

PRODID = "-//Compliance//ISO 17025 due dates//EN"


def to_ical(name: str, events: list[CalendarEvent]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    # Hints for clients that poll subscribed calendars.
    calendar.add("x-published-ttl", dt.timedelta(hours=1))
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    stamp = utcnow().replace(microsecond=0)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + dt.timedelta(days=1))
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        if item.url:
            event.add("url", item.url)
        if item.category:
            event.add("categories", [item.category])
        event.add("transp", "TRANSPARENT")  # a due date, not a meeting: it does not block time
        calendar.add_component(event)
    return calendar.to_ical()
