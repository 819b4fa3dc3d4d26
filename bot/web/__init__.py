"""What the bot serves over HTTP: the webhook endpoint and its health check."""
