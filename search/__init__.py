"""The search language, pure: parse a query (query.py), expand names (expansion.py), mark hits (highlight.py).

No database here: archive.search compiles the parsed query into FTS5 or tsquery text and runs it on either store.
"""
