"""What the training services share: their errors, and the one permission check (who may
manage the programme's things is decided by `core.access.can_manage`)."""

from django.core.exceptions import PermissionDenied

from cophub.core.access import can_manage, viewer_for_user


class LearningError(Exception):
    """An action the rules do not allow; the message is for people."""


class EnrolmentError(LearningError):
    pass


class CertificateNotEarned(LearningError):
    pass


class AccessRequestError(LearningError):
    pass


def require_manager(actor, obj) -> None:
    """Raise PermissionDenied unless `actor` may manage `obj` (`core.access.can_manage`):
    for the programme's series, certificates and access requests, which belong to no group,
    that is the community's organizers."""
    if not can_manage(viewer_for_user(actor), obj):
        raise PermissionDenied("Only this community's organizers can do this.")
