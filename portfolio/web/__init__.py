"""`portfolio serve`: a read-only web front end (FastAPI, Jinja2, htmx) over the same library as the CLI."""
