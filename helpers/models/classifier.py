"""The IMDB sentiment classifier of notebook 05: BiLSTM + Bahdanau attention on raw review text.

* :class:`ClassifierConfig` with :data:`ORIGINAL` (the tutorials' sizes) and :data:`COURSE`
  (the course's), and :meth:`ClassifierConfig.learning_rate_for`;
* :func:`make_encoder` (a :class:`helpers.text.ReviewEncoder` adapted on the training texts);
* :func:`build_classifier`: Embedding with ``mask_zero`` -> stacked ``Bidirectional(LSTM)`` ->
  :class:`helpers.layers.BahdanauAttention` whose query is the last BiLSTM's concatenated final
  forward/backward states -> Dense(relu) -> Dropout -> Dense(1, sigmoid);
* :func:`training_data` and :func:`train_classifier` (a fixed number of epochs, timed);
* :func:`export_model` (raw strings in, probability out; what is saved as ``.keras``),
  :func:`attention_model` (token ids in, ``(probability, weights)`` out), :func:`predict_texts`
  and :func:`evaluate_ids`.

Shapes: ``B`` reviews, ``T`` tokens (per batch: batches are padded only to their longest review).

May import: ``keras``, ``tensorflow``, :mod:`helpers.runtime`, :mod:`helpers.data`, :mod:`helpers.text`,
:mod:`helpers.layers`, :mod:`helpers.training`.
"""
from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, replace

import keras
import numpy as np
import tensorflow as tf

from helpers.data.batching import length_bucketed_dataset, length_sorted_batches
from helpers.layers import BahdanauAttention
from helpers.runtime import check_int, check_learning_rate, check_model, check_strings
from helpers.text.reviews import ReviewEncoder, check_encoder
from helpers.training import EpochTimer, compile_model, warmup_cosine

__all__ = ["POOLINGS", "ClassifierConfig", "ORIGINAL", "COURSE", "make_encoder", "build_classifier",
           "training_data", "train_classifier", "export_model", "attention_model", "predict_texts", "evaluate_ids", "check_config"]

#: How the BiLSTM's states become one vector (``ClassifierConfig.pooling``).
POOLINGS = ("attention", "mean")


@dataclass(frozen=True)
class ClassifierConfig:
    """Sizes of the classifier and of its training.

    ``max_len`` tokens are kept per review, from the ``"first"`` or ``"last"`` end (``truncate``);
    ``bucketed`` trains on length-bucketed batches (:func:`helpers.data.length_bucketed_dataset`) instead of padding
    every review to ``max_len``. ``pooling`` turns the BiLSTM's states ``(B, T, 2U)`` into one
    vector: ``"attention"`` (the course's model), or ``"mean"``: the average over the real tokens
    (the same network without attention, notebook 07's baseline; Keras' max pooling would
    count padding, so it is not offered). ``lr_schedule`` is ``"constant"`` or ``"cosine"`` (decay to 0
    over the training run, after a linear warm-up of ``warmup_fraction`` of the steps).
    """

    name: str
    vocab_size: int = 10_000
    max_len: int = 500
    truncate: str = "last"
    embed_dim: int = 128
    lstm_units: int = 64
    lstm_layers: int = 2
    lstm_dropout: float = 0.5
    attention_units: int = 64
    dense_units: int = 20
    dropout: float = 0.5
    batch_size: int = 256
    learning_rate: float = 1e-3
    lr_schedule: str = "constant"
    warmup_fraction: float = 0.0
    epochs: int = 1
    bucketed: bool = False
    pooling: str = "attention"

    def __post_init__(self):
        """Every field checked once, here: ``TypeError``/``ValueError`` saying what is allowed."""
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"name must be a non-empty str, got {self.name!r}.")
        for field in ("vocab_size", "max_len", "embed_dim", "lstm_units", "lstm_layers",
                      "attention_units", "dense_units", "batch_size", "epochs"):
            check_int(field, getattr(self, field), 1)
        if self.vocab_size < 3:
            raise ValueError(f"vocab_size must be >= 3 (padding, unknown and a word), got {self.vocab_size}.")
        if self.truncate not in ("first", "last"):
            raise ValueError(f"truncate must be 'first' or 'last', got {self.truncate!r}.")
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {self.pooling!r}.")
        if self.lr_schedule not in ("constant", "cosine"):
            raise ValueError(f"lr_schedule must be 'constant' or 'cosine', got {self.lr_schedule!r}.")
        check_learning_rate(self.learning_rate)
        for field, high in (("lstm_dropout", 1.0), ("dropout", 1.0), ("warmup_fraction", 1.0)):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= high \
                    or (field != "warmup_fraction" and value == high):
                interval = "[0, 1]" if field == "warmup_fraction" else "[0, 1)"
                raise ValueError(f"{field} must be a number in {interval}, got {value!r}.")
        if not isinstance(self.bucketed, bool):
            raise TypeError(f"bucketed must be True or False, got {self.bucketed!r}.")

    def to_dict(self) -> dict:
        return asdict(self)

    def replace(self, **changes) -> "ClassifierConfig":
        return replace(self, **changes)

    def learning_rate_for(self, steps: int):
        """The learning rate to compile with for ``steps`` optimizer steps (an integer >= 1):
        ``learning_rate`` itself, or :func:`helpers.training.warmup_cosine` peaking at it."""
        steps = check_int("steps", steps, 1)
        if self.lr_schedule == "cosine":
            return warmup_cosine(self.learning_rate, steps, self.warmup_fraction)
        return self.learning_rate


#: The tutorials' configuration: every review padded (and cut, keeping its last tokens, as
#: ``pad_sequences`` does) to 500 tokens, constant Adam 1e-3, batch 256, one epoch.
ORIGINAL = ClassifierConfig(name="original")


#: The course's configuration: same architecture (2 x BiLSTM, Bahdanau attention(64), Dense(20));
#: length-bucketed batches; the last 400 tokens of a review (most are shorter); LSTMs of 32 units
#: (about 2x faster per step than 64 on a CPU at batch 256, measured in notebook 05); lighter
#: dropout; Adam peaking at 4e-3 with warm-up and cosine decay over 2 epochs; a vocabulary of
#: 30,000 words (embeddings of 128), chosen on 5,000 validation reviews held out from the training
#: split (``benchmarks/imdb_validation.py``, ``benchmarks/results/imdb_validation.json``: 0.8968
#: with the tutorials' 10,000, 0.9006 with 30,000, at the same cost per step; embeddings of 256
#: reached 0.9032 but cost 1.65x the seconds per step, more training than the lesson allows).
COURSE = ClassifierConfig(
    name="course", vocab_size=30_000, embed_dim=128, max_len=400, truncate="last", lstm_units=32,
    lstm_dropout=0.2, dropout=0.2, batch_size=256, learning_rate=4e-3, lr_schedule="cosine",
    warmup_fraction=0.05, epochs=2, bucketed=True,
)


def make_encoder(config: ClassifierConfig, train_texts) -> ReviewEncoder:
    """A :class:`ReviewEncoder` for ``config``, its vocabulary adapted on ``train_texts`` (a
    non-empty list of strings)."""
    check_config(config)
    encoder = ReviewEncoder(config.vocab_size, config.max_len, config.truncate, name="encoder")
    encoder.adapt(train_texts)
    return encoder


def check_config(config) -> ClassifierConfig:
    if not isinstance(config, ClassifierConfig):
        raise TypeError("config must be a ClassifierConfig (e.g. helpers.models.COURSE or "
                        f"COURSE.replace(epochs=1)), got {type(config).__name__}.")
    return config


def build_classifier(config: ClassifierConfig, vocab_size: int | None = None,
                     name: str = "classifier") -> keras.Model:
    """The BiLSTM + Bahdanau attention classifier on token ids ``(B, T)`` -> ``(B, 1)``.

    ::

        ids (B, T) - Embedding(mask_zero) - [Bidirectional LSTM, return_sequences] x layers
            -> states h (B, T, 2U), last layer's final forward/backward h: query (B, 2U)
            -> BahdanauAttention(A)(query, h, value_mask = ids != 0) -> context (B, 2U)
               (or, with ``config.pooling="mean"``, h averaged over the real tokens)
            -> Dense(dense_units, relu) -> Dropout -> Dense(1, sigmoid)

    ``vocab_size`` (default ``config.vocab_size``) must be an integer >= 3.
    """
    check_config(config)
    vocab_size = config.vocab_size if vocab_size is None else check_int("vocab_size", vocab_size, 3)
    ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    mask = keras.ops.not_equal(ids, 0)
    x = keras.layers.Embedding(vocab_size, config.embed_dim, mask_zero=True,
                               name="embedding")(ids)
    for i in range(config.lstm_layers - 1):
        x = keras.layers.Bidirectional(
            keras.layers.LSTM(config.lstm_units, return_sequences=True,
                              dropout=config.lstm_dropout), name=f"bilstm_{i + 1}")(x)
    x, forward_h, _, backward_h, _ = keras.layers.Bidirectional(
        keras.layers.LSTM(config.lstm_units, return_sequences=True, return_state=True,
                          dropout=config.lstm_dropout), name=f"bilstm_{config.lstm_layers}")(x)
    if config.pooling == "attention":
        query = keras.layers.Concatenate(name="query")([forward_h, backward_h])
        context, _weights = BahdanauAttention(config.attention_units, name="attention")(
            query, x, value_mask=mask, return_attention_scores=True)
    else:   # the mean over real tokens: GlobalAveragePooling1D skips masked (padding) steps
        context = keras.layers.GlobalAveragePooling1D(name="mean_pool")(x, mask=mask)
    h = keras.layers.Dense(config.dense_units, activation="relu", name="dense")(context)
    h = keras.layers.Dropout(config.dropout, name="dropout")(h)
    prob = keras.layers.Dense(1, activation="sigmoid", name="probability")(h)
    return keras.Model(ids, prob, name=name)


def training_data(config: ClassifierConfig, ids: np.ndarray, labels: np.ndarray, seed: int = 0):
    """The training batches of ``config``: length-bucketed (``config.bucketed``) or every review
    padded to ``max_len`` and shuffled (the tutorials' way); seeded."""
    check_config(config)
    labels = np.asarray(labels, "float32")
    if config.bucketed:
        return length_bucketed_dataset(ids, labels, batch_size=config.batch_size, seed=seed)
    return (tf.data.Dataset.from_tensor_slices((ids, labels))
            .shuffle(len(ids), seed=seed).batch(config.batch_size).prefetch(2))


def train_classifier(classifier: keras.Model, config: ClassifierConfig, ids, labels, *,
                     seed: int = 0, epochs: int | None = None, verbose: int = 2, callbacks=()):
    """Compile ``classifier`` with ``config``'s learning rate (its schedule spans exactly the
    run's optimizer steps) and train it for ``epochs`` (default ``config.epochs``) epochs on
    :func:`training_data` (extra Keras ``callbacks`` run too, after the timer). A fixed amount of work on every machine; the clock only measures.
    Returns ``(history, epoch_seconds)`` (the seconds inside ``fit``'s epochs)."""
    check_model("classifier", classifier)
    epochs = check_int("epochs", config.epochs if epochs is None else epochs, 1)
    data = training_data(config, ids, labels, seed)
    compile_model(classifier, loss="binary_crossentropy", metrics=["accuracy"],
                  learning_rate=config.learning_rate_for(len(data) * epochs))
    timer = EpochTimer()
    history = classifier.fit(data, epochs=epochs, verbose=verbose, callbacks=[timer, *callbacks], shuffle=False)
    return history, timer.epoch_seconds


def attention_model(classifier: keras.Model) -> keras.Model:
    """Token ids ``(B, T)`` -> ``(probability (B, 1), attention weights (B, T))``, sharing the
    classifier's layers (no copy). ``ValueError`` for a model without an ``attention`` layer."""
    check_model("classifier", classifier)
    if "attention" not in {layer.name for layer in classifier.layers}:
        raise ValueError(f"model {classifier.name!r} has no layer named 'attention'; pass a "
                         "classifier from build_classifier.")
    weights = classifier.get_layer("attention").output[1]
    inputs = classifier.inputs[0] if len(classifier.inputs) == 1 else classifier.inputs
    return keras.Model(inputs, [classifier.outputs[0], weights],
                       name="classifier_with_attention")


def export_model(encoder: ReviewEncoder, classifier: keras.Model) -> keras.Model:
    """Raw strings ``(B, 1)`` -> probability of a positive review ``(B, 1)``: the encoder and
    the classifier in one model (what is saved)."""
    check_encoder(encoder)
    check_model("classifier", classifier)
    texts = keras.Input(shape=(1,), dtype="string", name="review")
    return keras.Model(texts, classifier(encoder(texts)), name="imdb_sentiment")


def predict_texts(model: keras.Model, texts, batch_size: int = 256) -> np.ndarray:
    """Probabilities ``(N,)`` from an exported model (:func:`export_model`) for a list of strings.

    A text with no word the model reads (``""``, only punctuation or emoji) is scored like an
    empty review: a defined probability, not an error (:meth:`Explainer.explain` refuses it).
    ``TypeError`` unless ``texts`` is a list of strings (``None``, a number or a single string
    is refused, not converted); ``ValueError`` unless ``batch_size`` is an integer >= 1.
    """
    check_model("model", model)
    texts = check_strings("texts", texts)
    batch_size = check_int("batch_size", batch_size, 1)
    out = [model(tf.constant(texts[s : s + batch_size])[:, None], training=False).numpy()[:, 0]
           for s in range(0, len(texts), batch_size)]
    return np.concatenate(out) if out else np.zeros((0,), np.float32)


def evaluate_ids(model: keras.Model, ids: np.ndarray, labels: np.ndarray,
                 batch_size: int = 512, with_attention: bool = False):
    """Accuracy of a classifier on token ids, batched by length (sorted, each batch padded to
    its own longest review). Returns ``accuracy, probabilities (N,)`` and, when
    ``with_attention``, a list of each review's weights over its real tokens.
    ``ids`` must be a 2-D integer array and ``labels`` hold one label per row."""
    check_model("model", model)
    ids, labels = np.asarray(ids), np.asarray(labels)
    if ids.ndim != 2 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
        raise ValueError(f"ids must be a 2-D integer array (reviews, tokens), got shape {ids.shape} "
                         f"and dtype {ids.dtype}.")
    if len(labels) != len(ids):
        raise ValueError(f"{len(ids)} reviews but {len(labels)} labels.")
    batch_size = check_int("batch_size", batch_size, 1)
    lengths = (ids != 0).sum(axis=1)
    net = attention_model(model) if with_attention else model
    probs = np.zeros(len(ids), np.float32)
    weights = [None] * len(ids)
    fn = tf.function(lambda x: net(x, training=False), reduce_retracing=True)
    for idx, width in length_sorted_batches(ids, batch_size):
        out = fn(tf.constant(ids[idx, :width]))
        if with_attention:
            p, w = out[0].numpy()[:, 0], out[1].numpy()
            for j, i in enumerate(idx):
                weights[i] = w[j, : lengths[i]]
        else:
            p = out.numpy()[:, 0]
        probs[idx] = p
    accuracy = float(np.mean((probs >= 0.5) == (np.asarray(labels) == 1)))
    return (accuracy, probs, weights) if with_attention else (accuracy, probs)
