"""An index of character pairs, so two-character search terms no longer read the whole table.

The trigram indexes (SQLite FTS5 in 0001, pg_trgm in 0005) hold nothing for a term of two
characters (供水, 峰祥: most Chinese words), so such a term scanned every project: quick when it
is frequent (the scan stops at --limit) but 0.4 s for a rare one and 3.4 s for a missing one at
1,000,000 projects. This index holds every pair of adjacent characters of the searched text.

SQLite: a contentless FTS5 table whose one column lists the pairs of name, sub-heading and note,
each pair written as the hex of its UTF-8 bytes (so punctuation, digits and letters all make one
plain token), after SQLite's own lower() (ASCII only, as the search's instr(lower(...)) folds).
Triggers keep it in step with the project table in plain SQL, like 0001's trigram triggers, so
any writer (the seed loader, the sqlite3 shell) keeps it current. Triggers cannot hold a WITH
clause, so the positions of the pairs come from json_each over an array of length(text) - 1
zeros, spelled out with hex(zeroblob(n)).

PostgreSQL: a GIN index over search_bigrams(lower(search text)), an IMMUTABLE SQL function giving
the distinct pairs as text[]. It needs no extension and works whatever the database's LC_CTYPE
(pairs are cut by character, not by what the locale calls a letter), so a C-locale database,
where pg_trgm sees no Chinese (0009), gets it too. The search keeps its ILIKE: the pairs only
narrow the rows it checks.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# A copy of portfolio.db.pg_search_text() as it is now (a migration must not change when live code
# does); queries must use this expression, under search_bigrams(lower(...)), for the index to serve.
SEARCH_TEXT = "(name || ' ' || coalesce(group_label, '') || ' ' || coalesce(note, ''))"

PG_FUNCTION = """CREATE FUNCTION search_bigrams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}')
          FROM generate_series(1, char_length(t) - 1) AS i $$"""
PG_INDEX = f"CREATE INDEX ix_project_search_bigram ON project USING gin (search_bigrams(lower({SEARCH_TEXT})))"


def _pairs(column: str) -> str:
    """SQL for the pairs of one text column as space-separated hex tokens ('' for NULL or one character)."""
    text = f"lower({column})"
    positions = f"json_each('[' || rtrim(replace(hex(zeroblob(length({text}) - 1)), '00', '0,'), ',') || ']')"
    return f"coalesce((SELECT group_concat(hex(substr({text}, key + 1, 2)), ' ') FROM {positions}), '')"


def _row_pairs(row: str) -> str:
    return " || ' ' || ".join(_pairs(f"{row}.{column}") for column in ("name", "group_label", "note"))


# Contentless (the pairs are not stored, only indexed) and without positions (detail=none). Its
# row sizes (the _docsize table) are kept: without them the table cannot be read whole, and a
# dump that reads every table (Python's iterdump) fails.
SQLITE_TABLE = """CREATE VIRTUAL TABLE project_bigram USING fts5(
    pairs, content='', detail=none, tokenize='ascii')"""
# Recreating the project table (a batch migration) drops these; a later migration that does so
# must run them again, as 0002 and 0007 restore 0001's.
SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER project_bigram_insert AFTER INSERT ON project BEGIN
        INSERT INTO project_bigram(rowid, pairs) VALUES (new.id, {_row_pairs("new")});
    END""",
    f"""CREATE TRIGGER project_bigram_delete AFTER DELETE ON project BEGIN
        INSERT INTO project_bigram(project_bigram, rowid, pairs) VALUES ('delete', old.id, {_row_pairs("old")});
    END""",
    f"""CREATE TRIGGER project_bigram_update AFTER UPDATE OF name, group_label, note ON project BEGIN
        INSERT INTO project_bigram(project_bigram, rowid, pairs) VALUES ('delete', old.id, {_row_pairs("old")});
        INSERT INTO project_bigram(rowid, pairs) VALUES (new.id, {_row_pairs("new")});
    END""",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_TABLE)
        op.execute(f"INSERT INTO project_bigram(rowid, pairs) SELECT id, {_row_pairs('project')} FROM project")
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        op.execute(PG_FUNCTION)
        op.execute(PG_INDEX)
        # Statistics of the new expression (how often each pair occurs), without which the planner
        # guesses every pair rare and sorts all of a frequent term's rows instead of stopping at the limit.
        op.execute("ANALYZE project")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("project_bigram_insert", "project_bigram_delete", "project_bigram_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS project_bigram")
    else:
        op.execute("DROP INDEX IF EXISTS ix_project_search_bigram")
        op.execute("DROP FUNCTION IF EXISTS search_bigrams(text)")
