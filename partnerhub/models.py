"""Every module's models, imported so the metadata (and Alembic) sees the whole schema."""

from partnerhub.agreements import models as agreements  # noqa: F401
from partnerhub.audit import models as audit  # noqa: F401
from partnerhub.auth import models as auth  # noqa: F401
from partnerhub.db import Base
from partnerhub.library import models as library  # noqa: F401
from partnerhub.meetings import models as meetings  # noqa: F401
from partnerhub.notifications import models as notifications  # noqa: F401
from partnerhub.partnerships import models as partnerships  # noqa: F401
from partnerhub.procedures import models as procedures  # noqa: F401
from partnerhub.questions import models as questions  # noqa: F401
from partnerhub.training import models as training  # noqa: F401

metadata = Base.metadata

# Search indexes the migrations build outside the models: SQLite's FTS5 table of questions
# (with its shadow tables, named after it) and PostgreSQL's GIN index on an expression.
UNMAPPED = {"table": ("question_search",), "index": ("ix_questions_search",)}


def in_schema(name: str | None, type_: str, _parent_names) -> bool:
    """Autogenerate's filter: compare everything but the unmapped search indexes."""
    prefixes = UNMAPPED.get(type_, ())
    return not any(name == p or (name or "").startswith(f"{p}_") for p in prefixes)
