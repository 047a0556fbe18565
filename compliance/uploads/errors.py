"""The exception raised when an uploaded file is refused."""


class UploadRejected(ValueError):
    """An uploaded file was refused; ``str(exc)`` is a message a user can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
