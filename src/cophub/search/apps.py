import logging
import threading

from django.apps import AppConfig
from django.db import connection

from cophub.core.signals import web_starting, worker_starting

from . import embeddings


class SearchConfig(AppConfig):
    name = "cophub.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # Import every app's `searchable` module, then follow saves and deletes of the
        # registered models (and of the models they watch). Imported here, not at the top:
        # it reads models, which cannot be imported before the app registry is ready.
        from .signals import connect_signals

        connect_signals()
        worker_starting.connect(_model_warm, dispatch_uid="search.model_warm")
        web_starting.connect(_web_warm, dispatch_uid="search.web_warm")


def _model_warm(**kwargs) -> None:
    """Load the embedding model when a worker starts: the first index update after a start
    must not wait seconds for it (saves reach search within 5 seconds)."""
    embeddings.provider_warm()


def _web_warm(**kwargs) -> None:
    """In a new web process, load the model and the in-memory index in the background, so
    the first search does not wait seconds for them."""
    threading.Thread(target=_search_warm, name="cophub-search-warm", daemon=True).start()


def _search_warm() -> None:
    # Imported when the web process starts, not with this module: it reads models.
    from .memory import live_index

    try:
        embeddings.provider_warm()
        live_index.current()
    except Exception:  # a cold first search is slow, not broken
        logging.getLogger(__name__).exception("Warming search failed")
    finally:
        connection.close()
