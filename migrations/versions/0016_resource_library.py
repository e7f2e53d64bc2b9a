"""resource library: templates, guidance, trainings and sample agreements, with the public
resources the source pages name as the site-wide shelf

Revision ID: 0016_resource_library
Revises: 0015_calendar_updates
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0016_resource_library"
down_revision: str | None = "0015_calendar_updates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROCEDURE_TEMPLATE = """# [Procedure title]

**Owning agency:** [Agency]  ·  **Legal basis:** [FERPA consent / HIPAA authorization / state code]

## Purpose
Why this information is shared, and the youth outcome it serves.

## What is shared
1. [Kind of information], in the least detail the purpose needs.
2. Never case files or records beyond what the matrix lists.

## When and how
1. Check for a signed release (or the exception relied on) before sharing.
2. Share through the liaison named on the roster, by [secure channel].
3. Record the disclosure: who received it, when, and their legitimate interest.

## Re-disclosure, retention and destruction
The receiving agency does not pass it on without a new basis, keeps it [period], then
destroys it.

## Review
Reviewed at the monthly meeting when practice changes, and at least every [12] months.
"""

AGREEMENT_TEMPLATE = """Purpose: [the agencies] share the information listed in the partnership's
sharing matrix to [purpose], and no other.

Parties: [each agency, and who signs for it].

Flows covered: the flows of the sharing matrix listed in the schedule, each with its legal
basis.

Re-disclosure: information received is not re-disclosed without a new legal basis. Records
from a federally assisted substance use disorder program carry the notice 42 CFR 2.32
requires.

Security, retention and destruction: [how information is protected, kept and destroyed].

Training: each party trains the staff who share information on FERPA, HIPAA, 42 CFR Part 2
and state code before they share.

Disputes: raised first with the liaisons, then at the monthly partner meeting, then with the
signatories.

Term and review: in force from signature for [term]; reviewed every year by the partnership
whether or not it is renewed.
"""

# (title, kind, frameworks, publisher, summary, url, body)
RESOURCES = [
    (
        "Confidentiality Toolkit",
        "guidance",
        ["hipaa", "part2", "state_code"],
        "Administration for Children and Families",
        "How responsibly sharing records between offices and agencies serving children and "
        "families improves services, the processes that make sharing work, and the "
        "confidentiality considerations involved (ACF Interoperability Initiative, 2014).",
        "https://www.acf.hhs.gov/",
        "",
    ),
    (
        "Joint guidance on FERPA and HIPAA and student health records",
        "guidance",
        ["ferpa", "hipaa"],
        "U.S. Departments of Education and Health and Human Services",
        "When student health records fall under FERPA and when under HIPAA, with common "
        "questions from schools and health providers.",
        "https://studentprivacy.ed.gov/",
        "",
    ),
    (
        "Privacy Technical Assistance Center (PTAC)",
        "guidance",
        ["ferpa"],
        "U.S. Department of Education",
        "Guidance and training materials on data privacy, confidentiality and security, "
        "including 'Protecting Student Privacy While Using Online Educational Services'.",
        "https://studentprivacy.ed.gov/",
        "",
    ),
    (
        "FERPA regulations, 34 CFR Part 99",
        "guidance",
        ["ferpa"],
        "Electronic Code of Federal Regulations",
        "The rules themselves: consent (99.30), the exceptions (99.31), including the juvenile "
        "justice exception (99.38), and the record of disclosures (99.32).",
        "https://www.ecfr.gov/current/title-34/subtitle-A/part-99",
        "",
    ),
    (
        "Confidentiality of substance use disorder records, 42 CFR Part 2",
        "guidance",
        ["part2"],
        "Electronic Code of Federal Regulations",
        "Consent requirements and the re-disclosure notice for records of federally assisted "
        "substance use disorder programs.",
        "https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2",
        "",
    ),
    (
        "Colorado Attorney General's formal opinion on information sharing and FERPA",
        "guidance",
        ["ferpa", "state_code"],
        "Colorado Attorney General's Office",
        "The January 2018 formal opinion on what schools and youth-serving agencies may share "
        "under FERPA, and the Attorney General's video on the subject.",
        "https://coag.gov/",
        "",
    ),
    (
        "Making Referrals to Your Threat Assessment Team",
        "training",
        ["state_code"],
        "Colorado School Safety Resource Center",
        "Online course for all school staff (course ID 1064493 on CO.TRAIN; sign in or create "
        "an account): when and how to refer a student of concern. Certificate on completion.",
        "https://www.co.train.org/",
        "",
    ),
    (
        "Intergovernmental Agreement between Denver Public Schools and the Denver Police "
        "Department",
        "sample_agreement",
        ["ferpa", "state_code"],
        "Denver Public Schools",
        "Signed in February 2013 after negotiation with youth leaders: made data collection and "
        "information sharing transparent and defined the role of school resource officers.",
        "https://www.dpsk12.org/",
        "",
    ),
    (
        "Interagency information-sharing agreement: clauses to start from",
        "sample_agreement",
        ["ferpa", "hipaa", "part2", "state_code"],
        "PartnerHub",
        "The clauses an agreement needs: purpose, parties, the flows covered, re-disclosure "
        "(with 42 CFR Part 2's notice), security and retention, training, disputes, term and "
        "annual review. Replace the bracketed parts.",
        "",
        AGREEMENT_TEMPLATE,
    ),
    (
        "Information-sharing procedure template",
        "template",
        ["ferpa", "hipaa", "part2", "state_code", "procedures"],
        "PartnerHub",
        "A procedure's usual sections: purpose, what is shared, when and how, re-disclosure "
        "and retention, review. Replace the bracketed parts.",
        "",
        PROCEDURE_TEMPLATE,
    ),
]


def upgrade() -> None:
    resources = op.create_table(
        "resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "template",
                "guidance",
                "training",
                "sample_agreement",
                name="resource_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("frameworks", sa.JSON(), nullable=False),
        sa.Column("publisher", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "url <> '' OR body_markdown <> ''", name=op.f("ck_resources_has_link_or_text")
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f("fk_resources_added_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_resources_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
    )
    op.create_index(
        op.f("ix_resources_partnership_id"), "resources", ["partnership_id"], unique=False
    )
    installed = datetime.now(UTC)
    op.bulk_insert(
        resources,
        [
            {
                "title": title,
                "kind": kind,
                "frameworks": frameworks,
                "publisher": publisher,
                "summary": summary,
                "url": url,
                "body_markdown": body,
                "created_at": installed,
                "updated_at": installed,
            }
            for title, kind, frameworks, publisher, summary, url, body in RESOURCES
        ],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_resources_partnership_id"), table_name="resources")
    op.drop_table("resources")
