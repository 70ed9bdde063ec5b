"""An index over each project's counting period reports that carries their amounts.

Lights and rates sum every project's 本期完成投资 over the year up to the period, and an import
reads each project's nearest earlier and later 累计完成投资. Both read (project, period, amounts)
of the reports that count (retracted_at IS NULL); through the existing indexes each such report
cost a visit to its table row (a million with 100,000 projects at the year's end). Only an
index is added; no row is touched.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_COUNTING = sa.text("retracted_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_period_report_counting",
        "period_report",
        ["project_id", "period", "invest_period", "invest_cumulative"],
        unique=False,
        sqlite_where=_COUNTING,
        postgresql_where=_COUNTING,
    )


def downgrade() -> None:
    op.drop_index("ix_period_report_counting", table_name="period_report")
