import pytest

from cophub.core.signals import worker_starting
from cophub.search import embeddings


@pytest.mark.django_db  # the outbox's receiver of the same signal reads the database
def test_worker_start_loads_the_embedding_model_before_any_task(monkeypatch):
    calls = []
    monkeypatch.setattr(embeddings, "provider_warm", lambda: calls.append("warm"))

    results = worker_starting.send_robust(sender=None)

    assert calls == ["warm"]
    assert not [r for _, r in results if isinstance(r, Exception)]


def test_a_new_web_process_warms_search_in_the_background(monkeypatch):
    from cophub.core.signals import web_starting
    from cophub.search import apps

    started = []
    monkeypatch.setattr(apps, "_search_warm", lambda: started.append("warm"))

    web_starting.send_robust(sender=None)

    # The thread may still be running when send returns; join it.
    import threading
    for thread in threading.enumerate():
        if thread.name == "cophub-search-warm":
            thread.join(5)
    assert started == ["warm"]
