"""information-sharing questions: raised, assigned, put on agendas, answered with their legal
basis, and searchable (FTS5 on SQLite, a GIN index on PostgreSQL)

Revision ID: 0018_questions
Revises: 0023_agreement_clauses
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_questions"
down_revision: str | None = "0023_agreement_clauses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAG_KINDS = [
    "agreement_renewal", "procedure_review", "action_item_overdue", "training_lapse",
    "training_gap", "agency_absence", "agreement_review",
]  # fmt: skip
FLAG_CHECK = "ck_flags_flag_kind"
SEARCHED = "title, details, answer, legal_basis"
# As partnerhub.questions.models.SEARCH_DOCUMENT says it, word for word.
SEARCH_DOCUMENT = (
    "to_tsvector('english', questions.title || ' ' || questions.details || ' ' "
    "|| questions.answer || ' ' || questions.legal_basis)"
)
# SQLite keeps an FTS5 index in step with the table by triggers. A later migration that
# rebuilds "questions" in batch mode (copy and move) drops them: it must create them again.
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE question_search USING fts5("
    f"{SEARCHED}, content='questions', content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER questions_search_insert AFTER INSERT ON questions BEGIN "
    f"INSERT INTO question_search(rowid, {SEARCHED}) "
    "VALUES (new.id, new.title, new.details, new.answer, new.legal_basis); END",
    "CREATE TRIGGER questions_search_delete AFTER DELETE ON questions BEGIN "
    f"INSERT INTO question_search(question_search, rowid, {SEARCHED}) "
    "VALUES ('delete', old.id, old.title, old.details, old.answer, old.legal_basis); END",
    "CREATE TRIGGER questions_search_update AFTER UPDATE ON questions BEGIN "
    f"INSERT INTO question_search(question_search, rowid, {SEARCHED}) "
    "VALUES ('delete', old.id, old.title, old.details, old.answer, old.legal_basis); "
    f"INSERT INTO question_search(rowid, {SEARCHED}) "
    "VALUES (new.id, new.title, new.details, new.answer, new.legal_basis); END",
]


def _allow_flags(kinds: list[str]) -> None:
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(FLAG_CHECK), type_="check")
        batch_op.create_check_constraint(op.f(FLAG_CHECK), sa.column("kind").in_(kinds))


def upgrade() -> None:
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("from_agency_id", sa.Integer(), nullable=False),
        sa.Column("to_agency_id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=True),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "answered",
                name="question_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.String(length=300), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("change_request_id", sa.Integer(), nullable=True),
        sa.Column("changed_flow_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status <> 'answered' OR (answer <> '' AND legal_basis <> '' "
            "AND answered_at IS NOT NULL)",
            name=op.f("ck_questions_answered_with_basis"),
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_questions_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_agency_id"],
            ["partner_agencies.id"],
            name=op.f("fk_questions_from_agency_id_partner_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_agency_id"],
            ["partner_agencies.id"],
            name=op.f("fk_questions_to_agency_id_partner_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["flow_id"],
            ["information_flows.id"],
            name=op.f("fk_questions_flow_id_information_flows"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["changed_flow_id"],
            ["information_flows.id"],
            name=op.f("fk_questions_changed_flow_id_information_flows"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["change_request_id"],
            ["procedure_change_requests.id"],
            name=op.f("fk_questions_change_request_id_procedure_change_requests"),
            ondelete="SET NULL",
        ),
        *(
            sa.ForeignKeyConstraint(
                [column],
                ["memberships.id"],
                name=op.f(f"fk_questions_{column}_memberships"),
                ondelete="SET NULL",
            )
            for column in ("raised_by_id", "assigned_to_id", "answered_by_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    for column in (
        "from_agency_id",
        "to_agency_id",
        "flow_id",
        "change_request_id",
        "changed_flow_id",
    ):
        op.create_index(op.f(f"ix_questions_{column}"), "questions", [column], unique=False)
    op.create_index(
        "ix_questions_partnership_status", "questions", ["partnership_id", "status"], unique=False
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("question_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_agenda_items_question_id"), ["question_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_agenda_items_question_id_questions"),
            "questions",
            ["question_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _allow_flags([*FLAG_KINDS, "question_open_long"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_questions_search ON questions USING gin ({SEARCH_DOCUMENT})")
    else:
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_questions_search")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER questions_search_{trigger}")
        op.execute("DROP TABLE question_search")
    op.execute("DELETE FROM flags WHERE kind = 'question_open_long'")
    _allow_flags(FLAG_KINDS)
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_agenda_items_question_id_questions"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_agenda_items_question_id"))
        batch_op.drop_column("question_id")
    op.drop_table("questions")
