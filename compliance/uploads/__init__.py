"""Validation of uploaded files before they are stored (documents, certificates, evidence)."""
