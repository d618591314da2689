"""One module per ``odjek`` subcommand; each exposes ``command``."""
