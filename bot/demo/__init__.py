"""`coalition-bot demo`: a scripted coalition played against the emulator, chapter by chapter."""
