"""The one error type the whole pipeline raises for bad input.

Its message is a single line meant for the user; the CLI prints it and exits non-zero, never a traceback.
"""


class UserError(Exception):
    """Bad input or a missing prerequisite, explained in one line."""
