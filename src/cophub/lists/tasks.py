"""The periodic jobs of `lists` (the scheduler finds them here). Each only calls a service.
The background tasks sit beside the services they run: `services.delivery.post_fanout_task`,
`services.digests.digest_fanout_task`, `inbound.router.inbound_message_process_task`,
`newsletter.sending.newsletter_issue_fanout_task`."""

from datetime import timedelta

from cophub.core.scheduler import periodic

from .inbound import inbound_sweep
from .newsletter import tasks as newsletter_tasks
from .services import digests_build

__all__ = ["digests_build_job", "inbound_sweep_job", "newsletter_tasks"]


@periodic("lists.digests_build", every=timedelta(hours=1))
def digests_build_job() -> int:
    """Build the daily and weekly digests that are due; each is built once per period."""
    return len(digests_build())


@periodic("lists.inbound_sweep", every=timedelta(minutes=1))
def inbound_sweep_job() -> int:
    """Enqueue inbound messages whose task was lost; give up on those tried too often."""
    return inbound_sweep()
