"""Works, not listings: the level at which the plan places an item, its quote, links between items.

`市直` used to be stored as a link to the prefecture itself, meaning both "a prefecture-level work"
and "the plan names no county". The link stays and now means only "somewhere in the prefecture,
county not stated" (未明确县(区)); the prefecture-level reading moves to `project.level = 市级`.
The next seed load then applies the curated levels, places and links. No row is deleted, so every
status event (user history included) is kept.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quote", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("level", sa.String(length=8), nullable=False, server_default="县级"))
        batch_op.create_check_constraint("level", "level IN ('市级', '县级')")
    _restore_sqlite_search_triggers()
    op.execute(
        "UPDATE project SET level = '市级' WHERE id IN ("
        "SELECT project_division.project_id FROM project_division "
        "JOIN division ON division.code = project_division.division_code "
        "WHERE division.level = 'prefecture')"
    )
    op.create_table(
        "project_link",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=1024), nullable=False),
        sa.CheckConstraint("relation IN ('part_of', 'same_work')", name=op.f("ck_project_link_relation")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_project_link_project_id_project"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["project.id"], name=op.f("fk_project_link_target_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("project_id", "relation", "target_id", name=op.f("pk_project_link")),
    )
    op.create_index(op.f("ix_project_link_target_id"), "project_link", ["target_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_project_link_target_id"), table_name="project_link")
    op.drop_table("project_link")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_project_level"), type_="check")
        batch_op.drop_column("level")
        batch_op.drop_column("quote")
    _restore_sqlite_search_triggers()


def _restore_sqlite_search_triggers() -> None:
    # Recreating the table on SQLite drops its triggers; put the search index's back (as 0002 does).
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
