"""Writes about events (the public surface; other apps import from here). One module per
noun: `registrations` (capacity, wait-list; ADR 0004), `events` (create, edit, questions,
recurrence), `attendance` (check-in, Zoom/Teams import, revocation; the file parser is
`attendance_reports`), `materials`, `feedback`, `calendar_feeds`, `reminders`."""

from .attendance import (
    AttendanceError,
    AttendanceImportError,
    ImportResult,
    attendance_check_in,
    attendance_import,
    attendance_revoke,
)
from .calendar_feeds import calendar_feed_get_or_create, calendar_feed_reset
from .events import event_create, event_edit, event_questions_save, event_save
from .feedback import (
    FeedbackAlreadyGiven,
    FeedbackError,
    feedback_request_send,
    feedback_submit,
    feedback_url,
)
from .materials import material_add, material_delete, material_file_check
from .registrations import (
    REGISTRATION_GATE,
    AnswersInvalid,
    RegistrationClosed,
    RegistrationError,
    RegistrationNotAllowed,
    answers_clean,
    registration_access_revoke,
    registration_cancel,
    registration_create,
    registration_create_safely,
)
from .reminders import reminders_send

__all__ = [
    "REGISTRATION_GATE", "AnswersInvalid", "AttendanceError", "AttendanceImportError",
    "FeedbackAlreadyGiven", "FeedbackError", "ImportResult", "RegistrationClosed",
    "RegistrationError", "RegistrationNotAllowed", "answers_clean", "attendance_check_in",
    "attendance_import", "attendance_revoke", "calendar_feed_get_or_create",
    "calendar_feed_reset", "event_create", "event_edit", "event_questions_save", "event_save",
    "feedback_request_send", "feedback_submit", "feedback_url", "material_add",
    "material_delete", "material_file_check", "registration_access_revoke",
    "registration_cancel", "registration_create", "registration_create_safely",
    "reminders_send",
]
