"""Forms of the events pages: `event` (the list filters, registration, the event form with
its questions) and `after_event` (check-in, attendance import, materials, feedback, the
fiscal-year report)."""

from .after_event import (
    AttendanceImportForm,
    CheckInSearchForm,
    FeedbackForm,
    FiscalYearForm,
    MaterialForm,
)
from .event import (
    EventFilterForm,
    EventForm,
    QuestionFormSet,
    RegistrantFilterForm,
    RegistrationForm,
    monthly_dates,
    question_initial,
)

__all__ = [
    "AttendanceImportForm", "CheckInSearchForm", "EventFilterForm",
    "EventForm", "FeedbackForm", "FiscalYearForm", "MaterialForm", "QuestionFormSet",
    "RegistrantFilterForm", "RegistrationForm", "monthly_dates", "question_initial",
]
