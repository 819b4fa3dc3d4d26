"""Texts and keyboards, rendered for one reader's `Lang`. Used by handlers and jobs alike."""
