"""Background work of the surveys app. Thin: each job calls one service."""

from datetime import timedelta

from cophub.core.scheduler import periodic

from .services import ballot_boxes_count, surveys_close_due


@periodic("surveys.ballots", every=timedelta(minutes=1))
def surveys_ballots_count() -> int:
    """Anonymous answers are counted in batches (ADR 0012): every minute, each ballot box
    holding at least its survey's small-cell size."""
    return ballot_boxes_count()


@periodic("surveys.close_due", every=timedelta(minutes=5))
def surveys_close() -> int:
    """Close surveys past their closing time or whose OMB control number has expired."""
    return surveys_close_due()
