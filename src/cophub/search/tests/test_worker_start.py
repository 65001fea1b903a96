from cophub.core.signals import worker_starting
from cophub.search import embeddings


def test_worker_start_loads_the_embedding_model_before_any_task(monkeypatch):
    calls = []
    monkeypatch.setattr(embeddings, "provider_warm", lambda: calls.append("warm"))

    results = worker_starting.send_robust(sender=None)

    assert calls == ["warm"]
    assert not [r for _, r in results if isinstance(r, Exception)]
