"""cophub's own settings (middleware, sessions, database) with a view that does nothing but
ask who is signed in: the floor under any signed-in cophub page, for bench/pages.py."""

from cophub.config.settings import *  # noqa: F401,F403

ROOT_URLCONF = "hello.floor_urls"
