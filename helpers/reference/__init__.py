"""NumPy reference implementations of attention (no TensorFlow): the ground truth for the tests.

Everything here is written for clarity, not speed, and works in float64 by default so that it can
be compared with the Keras layers in :mod:`helpers.layers` and checked by finite differences.
``from helpers import reference as ref`` gives every name below as ``ref.<name>``.

Conventions (the same as in :mod:`helpers.layers`):

* ``B`` batch size, ``Tq`` number of queries, ``Tv`` number of keys/values, ``D*`` feature sizes.
* A query is ``q`` of shape ``(B, Dq)`` (one query per example) or ``(B, Tq, Dq)`` (a sequence of
  queries); keys ``k`` are ``(B, Tv, Dk)``, values ``v`` are ``(B, Tv, Dv)``.
* Vectors are **rows** and a weight matrix has the Keras ``Dense`` kernel layout ``(in, out)``:
  a projection is ``x @ W``. The papers write column vectors, ``W x``; their ``W`` is our
  ``W.T``. The numbers are the same, only the bookkeeping differs.
* A mask is ``True`` (or 1) for a real position and ``False`` (or 0) for padding.

Contents:

* :mod:`helpers.reference.forward`: :func:`softmax` (with a key mask), the score functions
  :func:`dot_score`, :func:`scaled_dot_score`, :func:`bahdanau_score`,
  :func:`luong_general_score`, :func:`luong_concat_score`, :func:`attention_forward`
  (scores -> weights, context) and :func:`luong_attentional_state` (Luong's ``tanh(W_c [c; s])``);
* :mod:`helpers.reference.backprop`: the dot-product attention forward **and backward** pass
  split into the two layers of Saitoh, *Deep Learning from Scratch 2* (O'Reilly Japan, 2018),
  chapter 8: :class:`AttentionWeight` and :class:`WeightSum`, combined in :class:`DotAttention`;
  :func:`numerical_gradient` (central differences) and :func:`relative_error` to check them.

May import: ``numpy`` only (and its own modules).
"""
from helpers.reference.backprop import (AttentionWeight, DotAttention, WeightSum,
                                        numerical_gradient, relative_error)
from helpers.reference.forward import (attention_forward, bahdanau_score, dot_score,
                                       luong_attentional_state, luong_concat_score,
                                       luong_general_score, scaled_dot_score, softmax)

from helpers.reference import backprop as _backprop, forward as _forward

__all__ = [*_forward.__all__, *_backprop.__all__]
