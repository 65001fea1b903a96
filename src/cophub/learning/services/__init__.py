"""Writes about the training programme (the public surface; other apps import from here).
One module per noun: `enrolment` (registers for sessions through the events app, so
capacity and wait-lists behave exactly as on event pages), `certificates`, `access`
(recording access requests and grants), `management` (series, tracks, instructors,
sessions). Each write is atomic and audited; mail goes through the outbox."""

from ..credit import credit_for
from .access import (
    LINK_DAYS,
    REQUEST_SUBJECT,
    RequestLink,
    SeriesGuess,
    access_grant_revoke,
    access_request_agency_guess,
    access_request_approve,
    access_request_confirm,
    access_request_decline,
    access_request_link_read,
    access_request_link_send,
    access_request_series_guess,
    access_request_submit,
    access_request_web_url,
    subject_asks_for_training_links,
)
from .certificates import certificate_issue, certificate_issue_for_track, certificate_revoke
from .common import (
    AccessRequestError,
    CertificateNotEarned,
    EnrolmentError,
    LearningError,
)
from .enrolment import (
    EnrolmentResult,
    enrolment_cancel,
    enrolment_create,
    enrolments_sync,
    enrolments_sync_task,
)
from .management import (
    RESERVED_SLUGS,
    instructor_save,
    series_save,
    session_save,
    track_save,
)

__all__ = [
    "LINK_DAYS", "REQUEST_SUBJECT", "RESERVED_SLUGS", "AccessRequestError",
    "CertificateNotEarned", "EnrolmentError", "EnrolmentResult", "LearningError",
    "RequestLink", "SeriesGuess", "access_grant_revoke", "access_request_agency_guess",
    "access_request_approve", "access_request_confirm", "access_request_decline",
    "access_request_link_read", "access_request_link_send", "access_request_series_guess",
    "access_request_submit", "access_request_web_url", "subject_asks_for_training_links",
    "certificate_issue",
    "certificate_issue_for_track", "certificate_revoke", "credit_for", "enrolment_cancel",
    "enrolment_create", "enrolments_sync", "enrolments_sync_task", "instructor_save",
    "series_save", "session_save", "track_save",
]
