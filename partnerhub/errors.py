"""Domain errors that services raise and views turn into messages."""


class DomainError(Exception):
    """A rule of the product was not met; the message is shown to the user."""


class PermissionDenied(DomainError):
    """The actor may not do this."""


class NotFound(DomainError):
    """The object does not exist, or the actor may not know it does."""


class InvalidTransition(DomainError):
    """The object is not in a state that allows this change."""


class Conflict(DomainError):
    """The change clashes with existing data (a duplicate name, a used token)."""
