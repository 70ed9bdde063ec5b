"""Copy each project's sector onto its county links, for a covering summary index.

`portfolio summary --by county --then sector` then reads one index of project_division
instead of joining a million projects.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("project_division", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sector_code", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.execute(
        "UPDATE project_division SET sector_code = "
        "(SELECT sector_code FROM project WHERE project.id = project_division.project_id)"
    )
    with op.batch_alter_table("project_division", schema=None) as batch_op:
        batch_op.alter_column("sector_code", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_project_division_sector_code_sector"), "sector", ["sector_code"], ["code"]
        )
        batch_op.create_index("ix_project_division_division_sector", ["division_code", "sector_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("project_division", schema=None) as batch_op:
        batch_op.drop_index("ix_project_division_division_sector")
        batch_op.drop_constraint(batch_op.f("fk_project_division_sector_code_sector"), type_="foreignkey")
        batch_op.drop_column("sector_code")
