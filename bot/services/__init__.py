"""Domain rules. No Telegram imports here: everything is testable with a database alone."""
