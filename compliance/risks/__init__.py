"""Risks and opportunities (8.5), impartiality risks included (4.1)."""
