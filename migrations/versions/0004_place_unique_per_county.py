"""Let a town list name two same-named towns in different counties.

日喀则's 节点乡镇 include 卡嘎镇 of 昂仁县 and 卡嘎镇 of 谢通门县; the place key now includes the county.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.drop_constraint("uq_place_column_role_name", type_="unique")
        batch_op.create_unique_constraint(
            "uq_place_column_role_name_division", ["column_id", "role", "name", "division_code"]
        )


def downgrade() -> None:
    # The older key cannot hold two same-named towns; places are reference data rebuilt from the
    # seed files on the next load, so keep the first of each name.
    op.execute("DELETE FROM place WHERE id NOT IN (SELECT min(id) FROM place GROUP BY column_id, role, name)")
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.drop_constraint("uq_place_column_role_name_division", type_="unique")
        batch_op.create_unique_constraint("uq_place_column_role_name", ["column_id", "role", "name"])
