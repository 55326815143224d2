"""`snapdiag serve`: a local web page where a bundle is dropped and its report read.

app.py builds the Starlette application; upload.py streams a drop into a private folder;
jobs.py runs analyses in a process pool; store.py keeps the redacted history in SQLite;
security.py holds the request checks (Host allow-list, Origin, CSRF) and response headers.
"""
