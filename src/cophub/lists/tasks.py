"""Background work of `lists`, gathered here so the worker and the scheduler find it:
fan-out and digests (tasks_delivery), inbound mail (tasks_inbound), newsletters
(tasks_newsletter). Each module is thin: load by id, call one service."""

from .tasks_delivery import *  # noqa: F401,F403
from .tasks_inbound import *  # noqa: F401,F403
from .tasks_newsletter import *  # noqa: F401,F403
