"""Progress reporting: the fields offices track, their history, retractions, period reports.

Adds 计划开工/计划竣工/实际开工/实际竣工 ('YYYY-MM') and 联系人 to `project`; who recorded a
status event and its retraction; `annual_plan` (年度计划投资 per year), `field_event` (every
change of a tracked field) and `period_report` (what an office reported for a period).
Only columns and tables are added (plain ALTER TABLE ADD COLUMN, no table copy), so every
existing row, status history and the SQLite search triggers stay as they are.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_PROJECT_COLUMNS = ("planned_start", "planned_end", "actual_start", "actual_end")
_RETRACTION = ("retracted_at", "retracted_by", "retraction_note")


def _retraction_columns() -> list[sa.Column]:
    return [
        sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retracted_by", sa.String(length=128), nullable=True),
        sa.Column("retraction_note", sa.String(length=1024), nullable=True),
    ]


def upgrade() -> None:
    for name in _PROJECT_COLUMNS:
        op.add_column("project", sa.Column(name, sa.String(length=7), nullable=True))
    op.add_column("project", sa.Column("contact", sa.String(length=128), nullable=True))
    op.add_column("status_event", sa.Column("actor", sa.String(length=128), nullable=True))
    for column in _retraction_columns():
        op.add_column("status_event", column)

    op.create_table(
        "annual_plan",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_annual_plan_amount")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_annual_plan_project_id_project")),
        sa.PrimaryKeyConstraint("project_id", "year", name=op.f("pk_annual_plan")),
    )
    op.create_table(
        "field_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.String(length=256), nullable=True),
        sa.Column("new_value", sa.String(length=256), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=1024), nullable=True),
        sa.Column("actor", sa.String(length=128), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=512), nullable=True),
        *_retraction_columns(),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_field_event_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_event")),
    )
    op.create_index(
        "ix_field_event_project_field", "field_event", ["project_id", "field", "effective_date", "id"], unique=False
    )
    op.create_table(
        "period_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("office", sa.String(length=16), nullable=True),
        sa.Column("invest_period", sa.Float(), nullable=True),
        sa.Column("invest_cumulative", sa.Float(), nullable=True),
        sa.Column("progress", sa.String(length=1024), nullable=True),
        sa.Column("problems", sa.String(length=1024), nullable=True),
        sa.Column("source", sa.String(length=512), nullable=True),
        sa.Column("actor", sa.String(length=128), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        *_retraction_columns(),
        sa.CheckConstraint("period LIKE '____-__'", name=op.f("ck_period_report_period")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_period_report_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_report")),
    )
    op.create_index("ix_period_report_period_project", "period_report", ["period", "project_id"], unique=False)
    op.create_index(
        "uq_period_report_current",
        "period_report",
        ["project_id", "period"],
        unique=True,
        sqlite_where=sa.text("retracted_at IS NULL"),
        postgresql_where=sa.text("retracted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_period_report_current", table_name="period_report")
    op.drop_index("ix_period_report_period_project", table_name="period_report")
    op.drop_table("period_report")
    op.drop_index("ix_field_event_project_field", table_name="field_event")
    op.drop_table("field_event")
    op.drop_table("annual_plan")
    for name in ("actor", *_RETRACTION):
        _drop_column("status_event", name)
    for name in (*_PROJECT_COLUMNS, "contact"):
        _drop_column("project", name)


def _drop_column(table: str, name: str) -> None:
    # SQLite 3.35+ drops a plain column in place (no table copy, so the search triggers stay).
    op.drop_column(table, name)
