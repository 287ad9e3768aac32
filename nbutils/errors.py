"""User-facing errors: each carries one clear message saying what was wrong and what to do.

The command line turns these into a single line on stderr and exit status 2, without a traceback.
"""

from __future__ import annotations


class WorkbookError(Exception):
    """Base class for problems the user can fix (bad input, missing data)."""

    def _render_traceback_(self) -> list[str]:
        # IPython (a notebook) shows a user error as its one line, not as frames of the package's source.
        return [f"{type(self).__name__}: {self}"]


class UnknownAreaError(WorkbookError, LookupError):
    """An area code or name that is not a current English district or unitary authority."""


class AreaSetError(WorkbookError):
    """A parameters/<set>.yaml file that is missing or malformed."""


class UnknownTopicError(WorkbookError, LookupError):
    """A topic that has no notebook."""


class DataError(WorkbookError):
    """A raw data file that is missing or differs from the manifest."""


class UnknownIndicatorError(WorkbookError, LookupError):
    """An indicator id that the store does not hold."""
