"""Rules of family 1 (see causes.md)."""
