"""Graders for the course's exercises: they check what a learner's function DOES, not how it is
written, and name the typical mistake when it is wrong.

Every notebook ends with an "Exercises" section; its graded cells call one of these::

    from helpers.exercises import check_scaled_dot_product_attention
    check_scaled_dot_product_attention(my_attention);   # prints "✓ correct ..." or "✗ not yet ..."

A grader calls the learner's function on small inputs it chose, compares the results with NumPy
references (:mod:`helpers.reference`) and with the results of the typical mistakes ("softmax over
the wrong axis", "mask not applied", "missing 1/sqrt(d)", ...), prints a one-line verdict and
returns it as a :class:`Verdict` (``bool(verdict)`` is ``True`` when correct; ``verdict.hint`` names
the mistake). A learner's function that raises gets a message naming the exception, never a
traceback.

========================================  =========  =============================================
grader                                    notebook   the learner's function
========================================  =========  =============================================
:func:`check_teacher_forcing`             01         ``fn(rows) -> (decoder_inputs, decoder_targets)``
:func:`check_scaled_dot_product_attention` 02        ``fn(Q, K, V, mask=None) -> (context, weights)``
:func:`check_additive_score`              03         ``fn(s, h, W1, b1, W2, b2, v) -> e (B, Tv)``
:func:`check_general_score`               04         ``fn(s, h, Wa) -> e (B, Tq, Tv)``
:func:`check_saliency`                    05         ``fn(gradients, embedded, ids) -> (B, T)``
:func:`check_length_penalty`              06         ``fn(log_prob, length, alpha=0.6) -> score``
:func:`check_clipped_precision`           06         ``fn(hypothesis, references, n) -> precision``
:func:`check_comprehensiveness`           07         ``fn(p_full, p_erased) -> (N,)``
:func:`check_integrated_gradients`        07         ``fn(gradient_at, embedded, steps) -> (B, T)``
:func:`check_causal_mask`                 08         ``fn(t) -> (t, t)`` booleans
:func:`check_split_heads`                 08         ``fn(x, num_heads) -> (B, H, T, D / H)``
========================================  =========  =============================================

Symbols follow the README's "Notation" table. Importing this package only imports NumPy and
the course's own modules (TensorFlow quietly, as ``import helpers`` does); it changes no setting.

May import: its own modules.
"""
from helpers.exercises._grading import Verdict
from helpers.exercises.attention import (check_additive_score, check_general_score,
                                         check_scaled_dot_product_attention)
from helpers.exercises.encoder_decoder import check_teacher_forcing
from helpers.exercises.explain import check_saliency, embedding_gradients
from helpers.exercises.faithfulness import (check_comprehensiveness, check_integrated_gradients,
                                           embedding_gradient_fn)
from helpers.exercises.transformer import check_causal_mask, check_split_heads
from helpers.exercises.translation import check_clipped_precision, check_length_penalty

__all__ = [
    "Verdict",
    "check_teacher_forcing",
    "check_scaled_dot_product_attention",
    "check_additive_score",
    "check_general_score",
    "check_saliency",
    "embedding_gradients",
    "check_length_penalty",
    "check_clipped_precision",
    "check_comprehensiveness",
    "check_integrated_gradients",
    "embedding_gradient_fn",
    "check_causal_mask",
    "check_split_heads",
]
