"""Landing dashboard and health check."""
