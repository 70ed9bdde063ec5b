"""Check that a project's years and investment make sense.

A batch migration of the `project` table, the parent of `project_division` and
`status_event`: on SQLite it copies and drops the table, which portfolio.db runs with
foreign keys off (and checks afterwards) so no child row is lost.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.create_check_constraint("years", "start_year IS NULL OR end_year IS NULL OR start_year <= end_year")
        batch_op.create_check_constraint("investment", "total_investment IS NULL OR total_investment >= 0")
    _restore_sqlite_search_triggers()


def downgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_project_investment"), type_="check")
        batch_op.drop_constraint(op.f("ck_project_years"), type_="check")
    _restore_sqlite_search_triggers()


def _restore_sqlite_search_triggers() -> None:
    # Recreating the table on SQLite drops its triggers; put the search index's back.
    if op.get_bind().dialect.name != "sqlite":
        return
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("initial", Path(__file__).with_name("0001_initial_schema.py"))
    initial = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(initial)
    for trigger in ("project_fts_insert", "project_fts_delete", "project_fts_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for statement in initial.SQLITE_FTS[1:]:
        op.execute(statement)
