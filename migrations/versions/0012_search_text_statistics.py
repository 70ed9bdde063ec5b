"""PostgreSQL: statistics of the searched text, so the planner knows how common a term is.

A search's ILIKE over the searched text (name, sub-heading and note joined) is estimated from
statistics of that expression. The trigram index of 0005 brings them (PostgreSQL gathers
statistics of an index's expressions); without it (0009: a C-locale database, or no pg_trgm) the
planner takes every term for rare: it gathers all the rows the pair index of 0011 finds and sorts
them, where reading the projects in code order would stop at the 50th (工程, in 58 % of 100,000
names, took 256 ms that way and 34 ms with these statistics). Extended statistics on the
expression (PostgreSQL 14 and later) give the estimates with or without the index. SQLite: nothing.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from alembic import op

# The searched text as 0011 indexed it (a migration imports nothing that can change later).
SEARCH_TEXT = "(name || ' ' || coalesce(group_label, '') || ' ' || coalesce(note, ''))"

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and bind.dialect.server_version_info >= (14,):
        op.execute(f"CREATE STATISTICS IF NOT EXISTS st_project_search_text ON ({SEARCH_TEXT}) FROM project")
        op.execute("ANALYZE project")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_project_search_text")
