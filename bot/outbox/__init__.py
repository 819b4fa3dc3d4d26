"""Everything that leaves the bot for Telegram: sending, splitting, retries, announcements."""
