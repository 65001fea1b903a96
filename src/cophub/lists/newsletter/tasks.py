"""The newsletter's periodic job (registered through `lists/tasks.py`, which the scheduler
finds): start the scheduled issues whose time has come. The fan-out of one issue is
`sending.newsletter_issue_fanout_task`, beside the service it runs."""

from datetime import timedelta

from cophub.core.scheduler import periodic

from .services import newsletter_issues_start_due

__all__ = ["newsletter_issues_send_due"]


@periodic("lists.newsletter_issues_send_due", every=timedelta(minutes=1))
def newsletter_issues_send_due() -> int:
    """Start every scheduled issue that is due; returns how many this run started."""
    return newsletter_issues_start_due()
