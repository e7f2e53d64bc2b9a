"""organizations: private to the partnership that typed them in, unless shared by a site admin

An organization's name is seen only by the partnership that typed it in (and any that seated
it) until a site admin puts it in the shared directory. Existing organizations:
- used by exactly one partnership become private to it;
- used by several partnerships become shared (they were already seen by several), recorded as
  typed in by the partnership that seated them first;
- used by none stay private to no partnership: nobody is offered them until a site admin
  shares them.
Names were unique across the site; they are now unique within one partnership's own
organizations and within the shared directory.

Revision ID: 0013_private_organizations
Revises: 0012_second_factor
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_private_organizations"
down_revision: str | None = "0012_second_factor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARED_NAMES = "uq_organizations_shared_name_key"

FIRST_SEATED_BY = (
    "(SELECT pa.partnership_id FROM partner_agencies pa"
    " WHERE pa.organization_id = organizations.id ORDER BY pa.id LIMIT 1)"
)
PARTNERSHIPS_USING = (
    "(SELECT COUNT(DISTINCT pa.partnership_id) FROM partner_agencies pa"
    " WHERE pa.organization_id = organizations.id)"
)


def _copy_referenced_table_on_sqlite() -> None:
    """SQLite alters a table by copying it and dropping the old one, which the foreign keys of
    other tables (agencies) forbid while they are checked at once: check them at commit
    instead (or not at all when no transaction is open yet); the copy keeps every id."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA foreign_keys=OFF")
        op.execute("PRAGMA defer_foreign_keys=ON")


def upgrade() -> None:
    _copy_referenced_table_on_sqlite()
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_partnership_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("shared", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.drop_constraint(op.f("uq_organizations_name_key"), type_="unique")
        batch_op.create_foreign_key(
            op.f("fk_organizations_owner_partnership_id_partnerships"),
            "partnerships",
            ["owner_partnership_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            op.f("ix_organizations_owner_partnership_id"), ["owner_partnership_id"], unique=False
        )
        batch_op.create_unique_constraint(
            op.f("uq_organizations_owner_partnership_id_name_key"),
            ["owner_partnership_id", "name_key"],
        )
    op.execute(
        f"UPDATE organizations SET owner_partnership_id = {FIRST_SEATED_BY},"
        f" shared = ({PARTNERSHIPS_USING} > 1)"
    )
    op.create_index(
        SHARED_NAMES,
        "organizations",
        ["name_key"],
        unique=True,
        sqlite_where=sa.text("shared"),
        postgresql_where=sa.text("shared"),
    )


def downgrade() -> None:
    # Names were unique across the site before: a private name typed again elsewhere would
    # break that, so the downgrade refuses rather than merging organizations.
    op.drop_index(SHARED_NAMES, table_name="organizations")
    _copy_referenced_table_on_sqlite()
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("uq_organizations_owner_partnership_id_name_key"), type_="unique"
        )
        batch_op.drop_index(op.f("ix_organizations_owner_partnership_id"))
        batch_op.drop_constraint(
            op.f("fk_organizations_owner_partnership_id_partnerships"), type_="foreignkey"
        )
        batch_op.drop_column("shared")
        batch_op.drop_column("owner_partnership_id")
        batch_op.create_unique_constraint(op.f("uq_organizations_name_key"), ["name_key"])
