"""PostgreSQL: a pg_trgm index for Chinese substring search.

`projects search` on PostgreSQL is an ILIKE over name, sub-heading and note; with this
GIN trigram index, terms of three or more characters no longer scan the whole table.
Creating the extension needs a privilege a shared server may not grant: without it the
index is skipped and search still works, only slower. SQLite has FTS5 (0001).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


# A copy of portfolio.db.pg_search_text() as it was when this revision was written: a
# migration must not change when live code does. The queries must keep using this expression
# for the index to serve them (tests/test_search_postgres.py checks that it is used).
SEARCH_TEXT = "(name || ' ' || coalesce(group_label, '') || ' ' || coalesce(note, ''))"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not _trigram_extension(bind):
        return
    op.execute(f"CREATE INDEX ix_project_search_trgm ON project USING gin ({SEARCH_TEXT} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_project_search_trgm")


def _trigram_extension(bind) -> bool:
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True
