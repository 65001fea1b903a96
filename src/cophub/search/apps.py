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

        from cophub.core.signals import worker_starting

        worker_starting.connect(_model_warm, dispatch_uid="search.model_warm")


def _model_warm(**kwargs) -> None:
    """Load the embedding model when a worker starts: the first index update after a start
    must not wait seconds for it (saves reach search within 5 seconds)."""
    from .embeddings import provider_warm

    provider_warm()
