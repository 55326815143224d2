"""Rules of family 3 (see causes.md)."""
