"""Electronic signatures: password re-entry, printed name, UTC time, meaning, signed bytes."""
