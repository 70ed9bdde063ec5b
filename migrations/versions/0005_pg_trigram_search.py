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
from portfolio.db import pg_search_text

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not _trigram_extension(bind):
        return
    op.execute(f"CREATE INDEX ix_project_search_trgm ON project USING gin ({pg_search_text()} gin_trgm_ops)")


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
