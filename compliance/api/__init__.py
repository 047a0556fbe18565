"""Read-only JSON API under /api/v1, authenticated by personal access tokens."""
