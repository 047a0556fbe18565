"""E-mail reminders: one digest per person of what they must do, daily or weekly, sent once."""
