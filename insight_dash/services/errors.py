"""Service exceptions carry a message that is safe to show to the person who acted."""


class ServiceError(Exception):
    """A failure with a user-facing message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    """The object does not exist, or belongs to someone else (indistinguishable on purpose)."""

    def __init__(self, what: str = "item"):
        super().__init__(f"That {what} was not found.")


class InvalidInput(ServiceError):
    """The request was understood but its values are not acceptable."""
