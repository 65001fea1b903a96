from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "cophub.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # Import every app's `searchable` module, then follow saves and deletes of the
        # registered models (and of the models they watch).
        from .signals import connect_signals

        connect_signals()

        from cophub.core.signals import web_starting, worker_starting

        worker_starting.connect(_model_warm, dispatch_uid="search.model_warm")
        web_starting.connect(_web_warm, dispatch_uid="search.web_warm")


def _model_warm(**kwargs) -> None:
    """Load the embedding model when a worker starts: the first index update after a start
    must not wait seconds for it (saves reach search within 5 seconds)."""
    from .embeddings import provider_warm

    provider_warm()


def _web_warm(**kwargs) -> None:
    """In a new web process, load the model and the in-memory index in the background, so
    the first search does not wait seconds for them."""
    import threading

    threading.Thread(target=_search_warm, name="cophub-search-warm", daemon=True).start()


def _search_warm() -> None:
    import logging

    from django.db import connection

    from .embeddings import provider_warm
    from .memory import live_index

    try:
        provider_warm()
        live_index.current()
    except Exception:  # a cold first search is slow, not broken
        logging.getLogger(__name__).exception("Warming search failed")
    finally:
        connection.close()
