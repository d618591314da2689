"""The press officers' web UI (FastAPI, server-rendered); see docs/search.md."""
