"""Nonconforming work (7.10) and corrective actions (8.7)."""
