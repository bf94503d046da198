"""``import helpers`` changes nothing in the process; TensorFlow's start-up banner is hidden only on
request (and nothing else with it); the two Keras warnings once filtered process-wide are not
raised by the course's own code; every model the course saves loads after a plain
``import helpers`` in a new interpreter."""
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import helpers
from helpers import runtime

import keras

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str, *args, env: dict | None = None, unset=(), timeout: int = 600):
    """Run ``code`` in a fresh interpreter of this environment with the checkout importable;
    returns the finished process (stdout, stderr as text). Fails the test on a non-zero exit."""
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(env or {})
    environment["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], env=environment,
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-4000:]
    return done


# --------------------------------------------------------------------------- no side effects

def test_import_helpers_leaves_environment_filters_and_stderr_unchanged():
    """With what helpers imports from outside already imported (their own effects are theirs:
    TensorFlow, for one, sets TF2_BEHAVIOR and adds warnings filters), ``import helpers``
    changes no environment variable, no warnings filter and not file descriptor 2."""
    code = r"""
import json, os, warnings
import keras, numpy, pandas, tensorflow
before = dict(os.environ), list(warnings.filters), os.fstat(2)
import helpers
after = dict(os.environ), list(warnings.filters), os.fstat(2)
print(json.dumps({
    "env": sorted(k for k in set(before[0]) | set(after[0]) if before[0].get(k) != after[0].get(k)),
    "filters": [repr(f) for f in after[1] if f not in before[1]]
               + [repr(f) for f in before[1] if f not in after[1]],
    "same_fd2": (before[2].st_dev, before[2].st_ino) == (after[2].st_dev, after[2].st_ino),
}))
"""
    result = json.loads(run_python(code, unset=("COURSE_HIDE_TF_BANNER",)).stdout.splitlines()[-1])
    assert result == {"env": [], "filters": [], "same_fd2": True}


def test_import_helpers_first_redirects_nothing_and_sets_nothing():
    """``import helpers`` in a fresh interpreter (so it imports TensorFlow itself): no
    ``os.dup2`` onto file descriptor 2, no TF_CPP_MIN_LOG_LEVEL, no filter for the two Keras
    warnings it used to silence."""
    code = r"""
import json, os, warnings
calls, real_dup2 = [], os.dup2
os.dup2 = lambda fd, fd2, *rest: (calls.append(fd2), real_dup2(fd, fd2, *rest))[1]
before = os.fstat(2)
import helpers
after = os.fstat(2)
os.dup2 = real_dup2
print(json.dumps({
    "dup2_targets": calls,
    "same_fd2": (before.st_dev, before.st_ino) == (after.st_dev, after.st_ino),
    "tf_log_level": os.environ.get("TF_CPP_MIN_LOG_LEVEL"),
    "quiet_filters": [repr(f) for f in warnings.filters
                      if f[1] is not None and ("shuffle" in f[1].pattern or "softmax" in f[1].pattern)],
}))
"""
    result = json.loads(run_python(code, unset=("TF_CPP_MIN_LOG_LEVEL", "COURSE_HIDE_TF_BANNER"))
                        .stdout.splitlines()[-1])
    assert result == {"dup2_targets": [], "same_fd2": True, "tf_log_level": None, "quiet_filters": []}


# --------------------------------------------------------------------------- the banner, on request

ABSL = b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
ONEDNN = (b"I0000 00:00:1796167378.405164    9666 port.cc:153] oneDNN custom operations are on. "
          b"You may see slightly different numerical results due to floating-point round-off errors "
          b"from different computation orders. To turn them off, set the environment variable "
          b"`TF_ENABLE_ONEDNN_OPTS=0`.\n")
ERROR = b"E0000 00:00:1796167378.5 9666 cuda_dnn.cc:8310] Unable to register cuDNN factory\n"


def test_hidden_banner_keeps_every_other_line(capfd):
    def load():
        for line in (ABSL, ONEDNN, ERROR, b"a line of our own\n", ABSL, ONEDNN):
            os.write(2, line)
        return "module"

    assert runtime._without_banner(load) == "module"
    err = capfd.readouterr().err
    assert err == ERROR.decode() + "a line of our own\n"


def test_hidden_banner_shows_output_of_a_failed_import(capfd):
    def load():
        os.write(2, ONEDNN + b"could not load libsomething.so\n")
        raise ImportError("simulated failure")

    stat = os.fstat(2)
    with pytest.raises(ImportError, match="simulated failure"):
        runtime._without_banner(load)
    assert (os.fstat(2).st_ino, os.fstat(2).st_dev) == (stat.st_ino, stat.st_dev)  # restored
    assert capfd.readouterr().err == "could not load libsomething.so\n"


def test_import_tensorflow_rejects_a_non_boolean_choice():
    with pytest.raises(TypeError, match="hide_banner must be True, False or None"):
        runtime.import_tensorflow(hide_banner="yes")


def test_set_up_cell_lines_keep_stderr_free_of_the_banner():
    """What the notebooks' set-up cell does before ``import helpers``, in a fresh interpreter:
    stderr then holds no banner line (on this machine: nothing at all, measured)."""
    done = run_python("import helpers", env={"TF_CPP_MIN_LOG_LEVEL": "2", "COURSE_HIDE_TF_BANNER": "1"})
    banner = [line for line in done.stderr.encode().splitlines() if runtime.TF_BANNER.match(line)]
    assert banner == [], done.stderr


# --------------------------------------------------------------------------- warnings at their source

def caught(fn):
    """Run ``fn`` with every warning recorded; returns ``(result, messages)``."""
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        result = fn()
    return result, [str(r.message) for r in records]


@pytest.mark.parametrize("make", [
    lambda: helpers.layers.DotProductAttention(),
    lambda: helpers.layers.BahdanauAttention(3),
    lambda: helpers.layers.LuongAttention("general"),
    lambda: helpers.layers.LuongAttention("concat", units=3),
], ids=["dot", "additive", "general", "concat"])
def test_attention_over_one_key_is_exact_and_silent(make):
    layer = make()
    query = np.random.default_rng(0).standard_normal((2, 3, 4)).astype("float32")
    value = np.random.default_rng(1).standard_normal((2, 1, 4)).astype("float32")
    (context, weights), messages = caught(
        lambda: layer(query, value, value_mask=np.array([[True], [False]]), return_attention_scores=True))
    assert not [m for m in messages if "softmax" in m], messages
    np.testing.assert_array_equal(np.asarray(weights)[:, :, 0], [[1, 1, 1], [0, 0, 0]])
    np.testing.assert_array_equal(np.asarray(context)[0], np.repeat(value[0], 3, axis=0))
    np.testing.assert_array_equal(np.asarray(context)[1], 0)


def test_one_word_sentence_translates_without_warnings():
    from helpers.models import Translator
    from helpers.text import make_vocabulary

    helpers.set_seed(0)
    vocabulary = make_vocabulary(["hola", "adiós amigo"], 20)
    model = Translator(vocabulary, make_vocabulary(["hi", "bye friend"], 20), embed_dim=4, units=4)
    model.build()
    (texts, _, weights), messages = caught(lambda: model.translate(["Hola"], max_length=3, return_attention=True))
    assert messages == [] and weights[0].shape[1] == 1


def test_course_training_on_its_own_datasets_raises_no_shuffle_warning():
    from helpers.models import build_seq2seq, train_digit_reversal

    result, messages = caught(lambda: train_digit_reversal(
        lambda v: build_seq2seq(v, v, embed_dim=4, units=8), n_train=64, n_test=8, min_len=2,
        max_len=4, epochs=1, batch_size=32, bin_width=1, verbose=0))
    assert len(result.predictions) == 8
    assert not [m for m in messages if "shuffle" in m], messages


# --------------------------------------------------------------------------- saved models reload

LOAD_AND_COMPARE = r"""
import json, sys
import numpy as np
import helpers, keras

spec = json.load(open(sys.argv[1]))
report = {}
for name, item in spec.items():
    model = keras.models.load_model(item["path"])
    data = np.load(item["inputs"])
    inputs = [data[k] for k in sorted(data.files)]
    outputs = keras.tree.flatten(model(inputs if len(inputs) > 1 else inputs[0], training=False))
    expected = np.load(item["outputs"])
    report[name] = [float(np.max(np.abs(np.asarray(o) - expected[k]))) if np.asarray(o).size else 0.0
                    for o, k in zip(outputs, sorted(expected.files))]
    report[name].append(type(model).__name__)
print(json.dumps(report))
"""


def _course_models():
    """Tiny versions of every model a notebook saves (or could save): name -> (model, inputs)."""
    from helpers import models as hm
    from helpers import text as ht
    from helpers.training import compile_model, masked_accuracy, sequence_loss

    def seq2seq_compiled(model, learning_rate=3e-3):
        return compile_model(model, loss="sparse_categorical_crossentropy", learning_rate=learning_rate,
                             clipnorm=1.0)

    helpers.set_seed(0)
    rng = np.random.default_rng(0)
    digits = rng.integers(1, 12, size=(3, 5)).astype("int32")
    models = {}
    plain = seq2seq_compiled(hm.build_seq2seq(12, 12, embed_dim=4, units=8))
    models["01_seq2seq"] = (plain, [digits, digits[:, :4]])
    for score in hm.ATTENTION_SCORES:
        model = hm.build_attention_seq2seq(12, 12, embed_dim=4, units=8, score=score,
                                                bidirectional=score == "additive")
        models[f"04_attention_{score}"] = (seq2seq_compiled(model), [digits, digits[:, :4]])
    source, target = hm.date_vocabularies()
    dates = hm.build_attention_seq2seq(source.size, target.size, embed_dim=4, units=8)
    seq2seq_compiled(dates, keras.optimizers.schedules.ExponentialDecay(3e-3, 100, 0.5))
    src = source.encode(["Sep 27, 1994", "9/27/94"])
    models["04_date_translator"] = (dates, [src, target.encode(["1994-09-2", "1994-09-2"], add_start=True)])

    config = hm.COURSE.replace(vocab_size=40, max_len=6, embed_dim=8, lstm_units=4,
                                      attention_units=3, dense_units=5)
    texts = ["a great film", "bad, bad acting", "I loved it!", "boring<br />film", "great acting"]
    encoder = hm.make_encoder(config, texts)
    classifier = compile_model(hm.build_classifier(config), loss="binary_crossentropy",
                               learning_rate=config.learning_rate_for(5), metrics=["accuracy"])
    ids = encoder(np.array(texts)).numpy()
    models["05_classifier"] = (classifier, [ids])
    models["05_attention_model"] = (hm.attention_model(classifier), [ids])
    models["05_export"] = (hm.export_model(encoder, classifier), [np.array(texts)[:, None]])
    models["07_mean_pooled"] = (hm.build_classifier(config.replace(pooling="mean"), name="mean"), [ids])

    spanish, english = ["¿ dónde está ?", "hola amigo"], ["where is it ?", "hi friend"]
    tr = compile_model(hm.Translator(ht.make_vocabulary(spanish, 30), ht.make_vocabulary(english, 30),
                                        embed_dim=4, units=4),
                       loss=sequence_loss(), clipnorm=5.0, metrics=[masked_accuracy])
    tr.build()
    src_ids, dec_in, _ = hm.teacher_forcing(tr, spanish, english)
    models["06_translator"] = (tr, [src_ids, dec_in])
    transformer = compile_model(hm.TransformerTranslator(ht.make_vocabulary(spanish, 30),
                                                         ht.make_vocabulary(english, 30), num_layers=1,
                                                         d_model=8, num_heads=2, d_ff=16),
                                loss=sequence_loss(), metrics=[masked_accuracy])
    transformer.build()
    src_ids, dec_in, _ = hm.teacher_forcing(transformer, spanish, english)
    models["08_transformer"] = (transformer, [src_ids, dec_in])
    for positions in hm.REVERSER_POSITIONS:
        reverser, _ = hm.build_self_attention_reverser(5, positions, embed_dim=8, num_heads=2, key_dim=4)
        models[f"08_reverser_{positions}"] = (reverser, [hm.reversal_task(3, 5)[0]])

    x = rng.standard_normal((4, 6, 2)).astype("float32")
    after, after_weights = hm.build_attention_after_lstm(6, 2, lstm_units=4, attention_units=3)
    pooling, pooling_weights = hm.build_attention_pooling(6, 2)
    models.update({"03_after_lstm": (after, [x]), "03_after_lstm_weights": (after_weights, [x]),
                   "03_pooling": (pooling, [x]), "03_pooling_weights": (pooling_weights, [x])})
    return models


def test_every_saved_course_model_loads_after_a_plain_import(tmp_path):
    spec = {}
    for name, (model, inputs) in _course_models().items():
        path = tmp_path / f"{name}.keras"
        model.save(path)
        outputs = keras.tree.flatten(model(inputs if len(inputs) > 1 else inputs[0], training=False))
        np.savez(tmp_path / f"{name}_in.npz", **{f"x{i}": v for i, v in enumerate(inputs)})
        np.savez(tmp_path / f"{name}_out.npz", **{f"y{i:02d}": np.asarray(o) for i, o in enumerate(outputs)})
        spec[name] = {"path": str(path), "inputs": str(tmp_path / f"{name}_in.npz"),
                      "outputs": str(tmp_path / f"{name}_out.npz"), "n_outputs": len(outputs)}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    report = json.loads(run_python(LOAD_AND_COMPARE, tmp_path / "spec.json").stdout.splitlines()[-1])
    assert sorted(report) == sorted(spec)
    for name, (*differences, class_name) in report.items():
        assert len(differences) == spec[name]["n_outputs"], name
        assert max(differences) <= 1e-6, (name, differences)
    assert report["06_translator"][-1] == "Translator"
