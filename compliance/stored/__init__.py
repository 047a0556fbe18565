"""Results that are expensive to compute (gap rules, training totals), stored in the database and
reused while none of the tables they read has changed (see versions.py and results.py)."""
