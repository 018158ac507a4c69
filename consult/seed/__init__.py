"""Loading the consultation from the project's own data files (``data/*.toml``).

``load_seed`` inserts what is missing and never changes or deletes what exists, so a second
run changes nothing and staff edits made in the app are never overwritten.
"""
