"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Substring search on SQLite: a trigram full-text index kept in step with the
# project table by triggers (PostgreSQL searches the base table with ILIKE).
SQLITE_FTS = (
    """CREATE VIRTUAL TABLE project_fts USING fts5(
        name, group_label, note, content='project', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER project_fts_insert AFTER INSERT ON project BEGIN
        INSERT INTO project_fts(rowid, name, group_label, note)
        VALUES (new.id, new.name, new.group_label, new.note);
    END""",
    """CREATE TRIGGER project_fts_delete AFTER DELETE ON project BEGIN
        INSERT INTO project_fts(project_fts, rowid, name, group_label, note)
        VALUES ('delete', old.id, old.name, old.group_label, old.note);
    END""",
    """CREATE TRIGGER project_fts_update AFTER UPDATE OF name, group_label, note ON project BEGIN
        INSERT INTO project_fts(project_fts, rowid, name, group_label, note)
        VALUES ('delete', old.id, old.name, old.group_label, old.note);
        INSERT INTO project_fts(rowid, name, group_label, note)
        VALUES (new.id, new.name, new.group_label, new.note);
    END""",
)


def upgrade() -> None:
    op.create_table(
        "division",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("parent_code", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("short_name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("aliases", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("pinyin", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("official", sa.Boolean(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.CheckConstraint("level IN ('province', 'prefecture', 'county', 'zone')", name=op.f("ck_division_level")),
        sa.ForeignKeyConstraint(["parent_code"], ["division.code"], name=op.f("fk_division_parent_code_division")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_division")),
    )
    with op.batch_alter_table("division", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_division_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_division_parent_code"), ["parent_code"], unique=False)

    op.create_table(
        "sector",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("label_zh", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("label_en", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("oc4ids", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_sector")),
    )
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("code_prefix", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("region_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("period_start", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Date(), nullable=True),
        sa.Column("document_kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source_file", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.ForeignKeyConstraint(["region_code"], ["division.code"], name=op.f("fk_plan_region_code_division")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
        sa.UniqueConstraint("code_prefix", name=op.f("uq_plan_code_prefix")),
        sa.UniqueConstraint("key", name=op.f("uq_plan_key")),
    )
    op.create_table(
        "indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("table_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("table_label", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("column_number", sa.Integer(), nullable=True),
        sa.Column("section", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("baseline_label", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("baseline", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("baseline_value", sa.Float(), nullable=True),
        sa.Column("target_label", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("target_value", sa.Float(), nullable=True),
        sa.Column("attribute", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.CheckConstraint("attribute IN ('预期性', '约束性')", name=op.f("ck_indicator_attribute")),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_indicator_plan_id_plan"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator")),
        sa.UniqueConstraint("code", name=op.f("uq_indicator_code")),
    )
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_column",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('projects', 'indicators', 'places')", name=op.f("ck_plan_column_kind")),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_plan_column_plan_id_plan"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_column")),
        sa.UniqueConstraint("plan_id", "number", name="uq_plan_column_plan_id_number"),
    )
    op.create_table(
        "place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("division_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.ForeignKeyConstraint(
            ["column_id"], ["plan_column.id"], name=op.f("fk_place_column_id_plan_column"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["division_code"], ["division.code"], name=op.f("fk_place_division_code_division")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place")),
        sa.UniqueConstraint("column_id", "role", "name", name="uq_place_column_role_name"),
    )
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_place_column_id"), ["column_id"], unique=False)

    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=False),
        sa.Column("group_label", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("sector_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("build_type", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("quantity", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=True),
        sa.Column("in_seeds", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("status_date", sa.Date(), nullable=True),
        sa.Column("national_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("total_investment", sa.Float(), nullable=True),
        sa.Column("start_year", sa.Integer(), nullable=True),
        sa.Column("end_year", sa.Integer(), nullable=True),
        sa.Column("responsible_unit", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.CheckConstraint(
            "build_type IN ('新建', '扩建', '改建', '改扩建', '续建', '迁建')", name=op.f("ck_project_build_type")
        ),
        sa.CheckConstraint("kind IN ('project', 'programme')", name=op.f("ck_project_kind")),
        sa.CheckConstraint(
            "status IN ('谋划', '前期', '在建', '建成', '暂缓', '取消')", name=op.f("ck_project_status")
        ),
        sa.ForeignKeyConstraint(["column_id"], ["plan_column.id"], name=op.f("fk_project_column_id_plan_column")),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_project_plan_id_plan")),
        sa.ForeignKeyConstraint(["sector_code"], ["sector.code"], name=op.f("fk_project_sector_code_sector")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint("code", name=op.f("uq_project_code")),
    )
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_column_id"), ["column_id"], unique=False)
        batch_op.create_index("ix_project_plan_status", ["plan_id", "status"], unique=False)
        batch_op.create_index("ix_project_sector_status", ["sector_code", "status"], unique=False)

    op.create_table(
        "project_division",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("division_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["division_code"], ["division.code"], name=op.f("fk_project_division_division_code_division")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_project_division_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("project_id", "division_code", name=op.f("pk_project_division")),
    )
    with op.batch_alter_table("project_division", schema=None) as batch_op:
        batch_op.create_index("ix_project_division_division_project", ["division_code", "project_id"], unique=False)

    op.create_table(
        "status_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.CheckConstraint("origin IN ('seed', 'user')", name=op.f("ck_status_event_origin")),
        sa.CheckConstraint(
            "status IN ('谋划', '前期', '在建', '建成', '暂缓', '取消')", name=op.f("ck_status_event_status")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_status_event_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_event")),
    )
    with op.batch_alter_table("status_event", schema=None) as batch_op:
        batch_op.create_index("ix_status_event_project_effective", ["project_id", "effective_date", "id"], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("project_fts_insert", "project_fts_delete", "project_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS project_fts")
    with op.batch_alter_table("status_event", schema=None) as batch_op:
        batch_op.drop_index("ix_status_event_project_effective")

    op.drop_table("status_event")
    with op.batch_alter_table("project_division", schema=None) as batch_op:
        batch_op.drop_index("ix_project_division_division_project")

    op.drop_table("project_division")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index("ix_project_sector_status")
        batch_op.drop_index("ix_project_plan_status")
        batch_op.drop_index(batch_op.f("ix_project_column_id"))

    op.drop_table("project")
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_place_column_id"))

    op.drop_table("place")
    op.drop_table("plan_column")
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_plan_id"))

    op.drop_table("indicator")
    op.drop_table("plan")
    op.drop_table("sector")
    with op.batch_alter_table("division", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_division_parent_code"))
        batch_op.drop_index(batch_op.f("ix_division_name"))

    op.drop_table("division")
