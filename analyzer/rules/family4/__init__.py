"""Rules of family 4 (see causes.md)."""
