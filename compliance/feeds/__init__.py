"""Private iCalendar (RFC 5545) feeds of each person's due dates, behind a revocable token."""
