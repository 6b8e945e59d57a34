"""The one exception type the CLI turns into a single `rculab: error: ...` line."""


class LabError(Exception):
    """A failure the user can act on; `str(err)` is the whole message."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code
