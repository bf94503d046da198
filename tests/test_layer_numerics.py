"""Numerics of helpers.layers (issue 12): softmax in float32 under ``mixed_float16``, scaled dot
product with a key size unknown at trace time, and the layers on the JAX backend.

The JAX test installs ``jax[cpu]`` once into a side folder (``<venv>/jax-backend``, reused while
it matches) and runs the layers in a subprocess with ``KERAS_BACKEND=jax``; locally it skips when
jax cannot be installed, under CI (``CI=true``) it fails."""
import ast
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import helpers  # noqa: F401
import keras
import tensorflow as tf

from helpers import reference as ref
from helpers.layers import (BahdanauAttention, DotProductAttention, LuongAttention,
                            masked_softmax)


@pytest.fixture
def mixed_float16():
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        yield
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


def test_masked_softmax_runs_in_float32_for_float16_scores():
    # exp overflows float16 above ~11: a float16 softmax of these scores would not be exact
    scores = np.array([[[12.0, 3.0, -20.0, 11.5]]], "float32")
    mask = np.array([[[True, True, False, True]]])
    expected = ref.softmax(scores.astype(np.float64), mask[0].astype(bool))
    w16 = masked_softmax(keras.ops.cast(scores, "float16"), mask)
    assert w16.dtype == "float16"
    np.testing.assert_allclose(np.asarray(w16, np.float64), expected, atol=1e-3)
    assert np.asarray(w16)[0, 0, 2] == 0
    # float32 in, float32 out, no cast at all
    w32 = masked_softmax(keras.ops.convert_to_tensor(scores), mask)
    assert w32.dtype == "float32"


@pytest.mark.parametrize("factory", [lambda: DotProductAttention(scaled=True),
                                     lambda: BahdanauAttention(4), lambda: LuongAttention("general")])
def test_layers_under_mixed_float16_policy(mixed_float16, factory):
    layer = factory()
    assert layer.compute_dtype == "float16"
    rng = np.random.default_rng(0)
    q = rng.normal(size=(2, 3, 4)).astype("float32") * 8
    v = rng.normal(size=(2, 5, 4)).astype("float32") * 8
    mask = np.ones((2, 5), bool)
    mask[0, 3:] = False
    context, weights = layer(q, v, value_mask=mask, return_attention_scores=True)
    assert context.dtype == "float16" and weights.dtype == "float16"
    w = np.asarray(weights, np.float64)
    assert np.all(np.isfinite(w)) and np.all(w[0, :, 3:] == 0)
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=2e-3)


def test_scaled_dot_product_with_unknown_key_size_in_tf_function():
    layer = DotProductAttention(scaled=True)
    spec = tf.TensorSpec((None, None, None), tf.float32)

    @tf.function(input_signature=[spec, spec])
    def attend(q, v):
        return layer(q, v, return_attention_scores=True)

    rng = np.random.default_rng(1)
    q, v = rng.normal(size=(2, 3, 6)).astype("float32"), rng.normal(size=(2, 4, 6)).astype("float32")
    context, weights = attend(q, v)
    expected_w, expected_c = ref.attention_forward(ref.scaled_dot_score(q, v), v)
    np.testing.assert_allclose(np.asarray(weights), expected_w, atol=1e-5)
    np.testing.assert_allclose(np.asarray(context), expected_c, atol=1e-5)
    # a different key size through the same traced function
    q2, v2 = q[..., :5], v[..., :5]
    _, weights2 = attend(q2, v2)
    np.testing.assert_allclose(np.asarray(weights2), ref.attention_forward(ref.scaled_dot_score(q2, v2), v2)[0],
                               atol=1e-5)


def test_layers_import_keras_and_nothing_of_a_backend():
    """Any Keras 3 backend: the layer modules import ``keras`` (and ``keras.ops`` inside), the
    standard library's ``math`` and each other; no ``tensorflow``, ``jax``, ``torch`` or
    ``numpy``. Imports inside functions count too."""
    allowed = {"__future__", "math", "keras", "helpers"}
    folder = Path(__file__).resolve().parents[1] / "helpers" / "layers"
    found = {}
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                other_helpers = top == "helpers" and not name.startswith("helpers.layers")
                if top not in allowed or other_helpers:
                    found.setdefault(path.name, []).append(name)
    assert len(list(folder.glob("*.py"))) >= 6
    assert not found, f"helpers/layers imports more than keras: {found}"


JAX_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import keras
    assert keras.backend.backend() == "jax", keras.backend.backend()
    from helpers.layers import (BahdanauAttention, DotProductAttention, LuongAttention,
                                LuongAttentionalState)
    from helpers import reference as ref
    rng = np.random.default_rng(0)
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    v = rng.normal(size=(2, 5, 4)).astype("float32")
    mask = np.ones((2, 5), bool); mask[0, 3:] = False; mask[1, :] = False
    W = lambda x: np.asarray(x, np.float64)
    def scores(layer):
        if isinstance(layer, BahdanauAttention):
            return ref.bahdanau_score(q, v, W(layer.W1.kernel), W(layer.W2.kernel),
                                      W(layer.V.kernel)[:, 0], b1=W(layer.W1.bias))
        if isinstance(layer, LuongAttention) and layer.score_mode == "general":
            return ref.luong_general_score(q, v, W(layer.W_a.kernel))
        if isinstance(layer, LuongAttention) and layer.score_mode == "concat":
            return ref.luong_concat_score(q, v, W(layer.W_a.kernel), W(layer.v_a.kernel)[:, 0])
        return ref.scaled_dot_score(q, v) if getattr(layer, "scaled", False) else ref.dot_score(q, v)
    for layer in (DotProductAttention(), DotProductAttention(scaled=True), BahdanauAttention(6),
                  LuongAttention("dot"), LuongAttention("general"), LuongAttention("concat", units=6)):
        context, weights = layer(q, v, value_mask=mask, return_attention_scores=True)
        ew, ec = ref.attention_forward(scores(layer), v, value_mask=mask)
        assert np.max(np.abs(np.asarray(weights) - ew)) < 1e-5, type(layer).__name__
        assert np.max(np.abs(np.asarray(context) - ec)) < 1e-5, type(layer).__name__
        assert np.all(np.asarray(weights)[1] == 0) and np.all(np.isfinite(np.asarray(context)))
    state = LuongAttentionalState(3)(query=q, context=q)
    assert state.shape == (2, 3, 3)
    # keras.ops only: nothing imported TensorFlow, and nothing of helpers but layers, reference
    assert "tensorflow" not in sys.modules, "a layer imported TensorFlow"
    loaded = {name.split(".")[1] for name in sys.modules if name.startswith("helpers.")}
    assert loaded <= {"layers", "reference"}, loaded
    import jax
    print("jax ok", jax.__version__, jax.__file__)
""")

# jax is not a dependency of the course and must not be installed next to TensorFlow (importing
# keras would then import jax, which sets TF_CPP_MIN_LOG_LEVEL in the process; `import helpers`
# must change nothing). The test installs jax[cpu] into a side folder once and puts that folder
# on the PYTHONPATH of a subprocess only. The packages jax shares with this environment are
# pinned to the versions installed here, so the copies in the side folder are identical.
JAX_REQUIREMENT = "jax[cpu]"
SHARED_WITH_JAX = ("numpy", "scipy", "ml_dtypes", "opt_einsum")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _jax_folder(request, tmp_path_factory) -> Path:
    """``<venv>/jax-backend`` in a virtual environment, else a folder of the pytest cache (else
    of this session's temporary directory), per Python version."""
    if sys.prefix != sys.base_prefix:
        return Path(sys.prefix) / "jax-backend"
    name = f"jax-backend-py{sys.version_info.major}.{sys.version_info.minor}"
    cache = getattr(request.config, "cache", None)
    return cache.mkdir(name) if cache is not None else tmp_path_factory.mktemp(name)


def _pins() -> dict[str, str]:
    pins = {}
    for name in SHARED_WITH_JAX:
        try:
            pins[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return pins


def _install_jax(folder: Path) -> tuple[bool, str]:
    """Install jax into ``folder`` unless a complete install with the same pins is there.
    Returns ``(ok, what happened)``."""
    stamp = {"requirement": JAX_REQUIREMENT, "python": sys.version.split()[0], "pins": _pins()}
    marker = folder / "jax-backend.json"
    if marker.is_file() and (folder / "jax" / "__init__.py").is_file():
        if json.loads(marker.read_text()) == stamp:
            return True, f"reused {folder}"
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    constraints = partial / "constraints.txt"
    constraints.write_text("".join(f"{n}=={v}\n" for n, v in stamp["pins"].items()))
    command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
               "--quiet", "--target", str(partial), "--constraint", str(constraints),
               JAX_REQUIREMENT]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as error:
        shutil.rmtree(partial, ignore_errors=True)
        return False, f"pip install {JAX_REQUIREMENT} did not finish: {error}"
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        return False, (f"pip install --target {JAX_REQUIREMENT} failed ({done.returncode}):\n"
                       f"{(done.stdout + done.stderr)[-2000:]}")
    constraints.unlink()
    (partial / marker.name).write_text(json.dumps(stamp))
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)
    return True, f"installed {JAX_REQUIREMENT} into {folder} in {seconds:.0f} s"


@pytest.fixture(scope="session")
def jax_site(request, tmp_path_factory) -> Path:
    """A folder holding jax[cpu], for a subprocess's PYTHONPATH. Skips locally when jax cannot
    be installed (no network, no pip); fails under CI (CI=true), where the test must run."""
    folder = _jax_folder(request, tmp_path_factory)
    ok, what = _install_jax(folder)
    if not ok:
        if _in_ci():
            pytest.fail(f"CI: the JAX-backend test must run, but {what}")
        pytest.skip(f"jax could not be installed into a side folder: {what}")
    print(f"\n[jax backend] {what}")
    return folder


def test_layers_on_the_jax_backend(jax_site):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.pathsep.join(p for p in (str(jax_site), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "PYTHONPATH": path}
    # helpers/__init__ imports TensorFlow; load only helpers.layers and helpers.reference
    script = ("import sys, types, importlib.util, os\n"
              f"root = {root!r}\n"
              "pkg = types.ModuleType('helpers'); pkg.__path__ = [os.path.join(root, 'helpers')]\n"
              "sys.modules['helpers'] = pkg\n" + JAX_SCRIPT)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "jax ok" in done.stdout
    assert str(jax_site) in done.stdout, "jax came from somewhere else than the side folder"
