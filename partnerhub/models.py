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
from partnerhub.training import models as training  # noqa: F401

metadata = Base.metadata
