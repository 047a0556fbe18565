"""Content-addressed file storage in the database (documents, certificates, evidence)."""
