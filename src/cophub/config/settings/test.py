"""Test overrides: fast hashing, mail captured in memory, tasks run at once."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="cophub-test-media-"))
MAIL_DIR = Path(tempfile.mkdtemp(prefix="cophub-test-mail-"))

# A file, not SQLite's shared in-memory database: concurrency tests need real locking
# (busy waits under WAL), which the in-memory shared cache does not give.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.mkdtemp(prefix="cophub-test-db-")) / "test.sqlite3")
    }

# Search: a deterministic hashing "embedding" instead of the model, so tests do not load a
# 90 MB model in every process; the tests of the real model ask for it themselves.
COPHUB_SEARCH_EMBEDDINGS = "hashing"

# The demo tests of every app would import the whole 3,611-row inventory; they load the demo
# without it. The inventory's own tests read the real file from COPHUB_USECASES_CSV_REAL.
COPHUB_USECASES_CSV_REAL = COPHUB_USECASES_CSV  # noqa: F405
COPHUB_USECASES_CSV = str(Path(tempfile.gettempdir()) / "cophub-test-no-inventory.csv")

# The header's Events and Training lead to the test community (every test names it "ai-cop"),
# without the query that finds the first community (whose answer the process keeps for a
# minute, so across tests with fresh databases it would be stale and counts would vary).
COPHUB_HOME_COMMUNITY = "ai-cop"
