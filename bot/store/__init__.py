"""The database: engine and sessions, the SQLite driver, schema migrations."""
