"""PostgreSQL: no trigram index where pg_trgm cannot see Chinese (a database whose LC_CTYPE is C).

pg_trgm takes trigrams from the characters the database's LC_CTYPE calls alphanumeric. Under C
or POSIX no Chinese character is one, so the index of 0005 holds nothing of a Chinese name; the
planner still trusts it, reads all of it and then checks every row, which is slower than scanning
the table (83 ms against a 2-character scan at 1,000,000 projects). Where that is so the index is
dropped: search scans the table, and `portfolio db info` says what the database needs for an index
(a UTF-8 LC_CTYPE such as C.UTF-8). In a database where pg_trgm works nothing changes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

# The text 0005 indexed, copied as it was then (a migration imports nothing that can change later).
SEARCH_TEXT = "(name || ' ' || coalesce(group_label, '') || ' ' || coalesce(note, ''))"

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _trigram_extension(bind) and not _trigrams_see_chinese(bind):
        op.execute("DROP INDEX IF EXISTS ix_project_search_trgm")


def downgrade() -> None:
    """Back to what 0005 left: the index wherever the extension is installed."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _trigram_extension(bind):
        op.execute(
            f"CREATE INDEX IF NOT EXISTS ix_project_search_trgm ON project USING gin ({SEARCH_TEXT} gin_trgm_ops)"
        )


def _trigrams_see_chinese(bind) -> bool:
    return bool(bind.execute(sa.text("SELECT show_trgm('供水工程') <> '{}'")).scalar())


def _trigram_extension(bind) -> bool:
    return bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is not None
