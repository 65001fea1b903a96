"""Why a list operation was refused. `str(error)` is a sentence for the person, fit for a web
page or an e-mailed reply; services raise these and change nothing."""


class ListError(Exception):
    """A list operation was refused; the message says why, in words for the person."""


class NotEligible(ListError):
    """The address may not join this list (audience rules)."""


class AlreadySubscribed(ListError):
    """The address already receives this list."""


class NotSubscribed(ListError):
    """The address does not receive this list."""


class ConfirmationInvalid(ListError):
    """The confirmation token is unknown, expired or for something no longer possible."""


class NotAllowed(ListError):
    """The sender (or moderator) may not do this on this list."""
