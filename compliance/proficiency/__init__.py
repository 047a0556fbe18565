"""Proficiency testing and interlaboratory comparisons (7.7.2)."""
