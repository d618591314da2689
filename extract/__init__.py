"""Extraction: an Article out of stored page bytes — its own stage, separate from collection (crawlers/).

``article`` (trafilatura + htmldate + the measured not-article rules), ``encoding`` (bytes → text) and
``language`` (the one language detector, also used by nlp when an item comes without a language).
Empty on purpose: importing ``extract.language`` must not pull in trafilatura.
"""
