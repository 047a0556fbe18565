"""Complaints (7.9): the complaint log."""
