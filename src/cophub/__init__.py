"""cophub: a platform that runs a government Community of Practice end to end."""

__version__ = "0.1.0"
