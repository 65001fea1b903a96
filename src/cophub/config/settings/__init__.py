# The embedded default: runs with no environment at all. See base.py.
from .base import *  # noqa: F401,F403
