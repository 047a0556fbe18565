"""The gap engine: every rule an assessor applies, evaluated for the whole lab as of a date."""
