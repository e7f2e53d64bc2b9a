"""Resources: a link (and, for templates, the text to start from), site-wide or a partnership's."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from partnerhub.db import Base, Timestamped, enum_type


class ResourceKind(enum.Enum):
    TEMPLATE = "template"
    GUIDANCE = "guidance"
    TRAINING = "training"
    SAMPLE_AGREEMENT = "sample_agreement"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def starts_a_draft(self) -> bool:
        """A template starts a procedure; a sample agreement starts an agreement."""
        return self in (ResourceKind.TEMPLATE, ResourceKind.SAMPLE_AGREEMENT)


class Resource(Timestamped, Base):
    """One resource; `partnership_id` is None for the site-wide library."""

    __tablename__ = "resources"
    __table_args__ = (
        sa.CheckConstraint("url <> '' OR body_markdown <> ''", name="has_link_or_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[ResourceKind] = mapped_column(enum_type(ResourceKind, "resource_kind"))
    frameworks: Mapped[list] = mapped_column(sa.JSON, default=list)  # Framework values
    publisher: Mapped[str] = mapped_column(sa.String(200), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    # A template's or sample agreement's text, copied into a new draft.
    body_markdown: Mapped[str] = mapped_column(sa.Text, default="")
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_site_wide(self) -> bool:
        return self.partnership_id is None

    @property
    def starts_a_draft(self) -> bool:
        """A template or sample agreement with text to copy into a new draft."""
        return self.kind.starts_a_draft and bool(self.body_markdown.strip())
