"""Rules of family 2 (see causes.md)."""
