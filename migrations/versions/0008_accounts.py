"""Accounts: who may write what, and the address a write came from.

`account` (name, role admin|editor|viewer, Argon2 password hash, disabled flag, times) and
`account_scope` (the offices an editor reports for: counties, or a prefecture for its 市级
works). `secret` keeps secrets generated on first use (the web session signing key);
`login_failure` the wrong passwords of the last day (the limit on login attempts). Events
get an `address` column beside `actor`. Only tables and nullable columns are
added (no table copy), so every existing row and the SQLite search triggers stay as they are.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_EVENT_TABLES = ("status_event", "field_event", "period_report")


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'editor', 'viewer')", name=op.f("ck_account_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("name", name=op.f("uq_account_name")),
    )
    op.create_table(
        "account_scope",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("division_code", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_account_scope_account_id_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["division_code"], ["division.code"], name=op.f("fk_account_scope_division_code_division")
        ),
        sa.PrimaryKeyConstraint("account_id", "division_code", name=op.f("pk_account_scope")),
    )
    op.create_table(
        "secret",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_secret")),
    )
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
    )
    op.create_index("ix_login_failure_name_at", "login_failure", ["name", "at"])
    op.create_index("ix_login_failure_address_at", "login_failure", ["address", "at"])
    for table in _EVENT_TABLES:
        op.add_column(table, sa.Column("address", sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table in _EVENT_TABLES:
        op.drop_column(table, "address")  # SQLite 3.35+ drops a plain column in place (no table copy)
    op.drop_index("ix_login_failure_address_at", table_name="login_failure")
    op.drop_index("ix_login_failure_name_at", table_name="login_failure")
    op.drop_table("login_failure")
    op.drop_table("secret")
    op.drop_table("account_scope")
    op.drop_table("account")
