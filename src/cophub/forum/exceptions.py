class ForumError(Exception):
    """A request the forum cannot carry out; the message is for the person."""


class NotAllowed(ForumError):
    """The person may not do this here."""
