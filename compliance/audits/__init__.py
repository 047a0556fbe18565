"""Internal audits (8.8): the programme, audits, findings and the independence rule."""
