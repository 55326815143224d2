"""`snapdiag batch` (design §6): many bundles → per-bundle reports, a summary and cross-bundle views."""
