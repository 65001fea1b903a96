"""Newsletter tasks (see tasks.py): the fan-out of one issue, and the minute job that starts
scheduled issues whose time has come."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from cophub.core.scheduler import periodic

from .newsletter.selectors import newsletter_issues_due
from .newsletter.sending import newsletter_issue_fanout
from .newsletter.services import newsletter_issue_start_scheduled

logger = logging.getLogger(__name__)


@task()
def newsletter_issue_fanout_task(issue_id: int) -> int:
    return newsletter_issue_fanout(issue_id=issue_id)


@periodic("lists.newsletter_issues_send_due", every=timedelta(minutes=1))
def newsletter_issues_send_due() -> int:
    """Start every scheduled issue whose time has come; each exactly once however many
    workers tick (the start is a conditional UPDATE). Returns how many this run started."""
    now = timezone.now()
    started = 0
    for issue_id in newsletter_issues_due(now=now):
        try:
            if newsletter_issue_start_scheduled(issue_id=issue_id, now=now) is not None:
                started += 1
        except Exception:
            # One broken issue (its lists were deleted, say) must not hold up the others.
            logger.exception("Newsletter issue %s could not be started", issue_id)
    return started


__all__ = ["newsletter_issue_fanout_task", "newsletter_issues_send_due"]
