"""Document control (ISO/IEC 17025 clause 8.3)."""
