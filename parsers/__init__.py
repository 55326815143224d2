"""One module per source format; each registers a ParserSpec with parsers.registry."""
