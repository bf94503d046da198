"""Explanations of the IMDB classifier, and tests of whether they are faithful (notebooks 05, 07).

* :mod:`helpers.explain.words`: :class:`Explainer` (probability and per-word attention for raw
  text, with an HTML view that never raises) and :func:`top_attended_words`;
* :mod:`helpers.explain.parts`: the classifier split at its embeddings
  (:class:`ClassifierParts`), probabilities for many edited reviews (:func:`predict_ids`),
  gradient x input (:func:`gradient_x_input`), attention ablations (:func:`ablated_probabilities`);
* :mod:`helpers.explain.erasure`: rankings of a review's tokens (attention, gradient,
  leave-one-out, random) and the erasure tests of ERASER (:func:`erasure_curves`), with
  :func:`kendall_agreement`.

References:
    S. Jain, B. C. Wallace (2019). Attention is not Explanation. NAACL 2019. arXiv:1902.10186.
    S. Wiegreffe, Y. Pinter (2019). Attention is not not Explanation. EMNLP 2019. arXiv:1908.04626.
    S. Serrano, N. A. Smith (2019). Is Attention Interpretable? ACL 2019. arXiv:1906.03731.
    J. DeYoung et al. (2020). ERASER: A Benchmark to Evaluate Rationalized NLP Models. ACL 2020.
    arXiv:1911.03429.

May import: ``keras``, ``tensorflow``, ``numpy``, ``pandas``, ``scipy``, :mod:`helpers.runtime`,
:mod:`helpers.text`, :mod:`helpers.plots`, :mod:`helpers.models`.
"""
from helpers.explain.erasure import (RANKINGS, delete_tokens, erasure_curves, k_for_fraction,
                                     kendall_agreement, leave_one_out, random_scores,
                                     rank_tokens, top_k_mask)
from helpers.explain.parts import (ABLATIONS, ClassifierParts, TokenModel, ablated_probabilities,
                                   attention_weights, check_ids, gradient_x_input, predict_ids)
from helpers.explain.words import MAX_INPUT_CHARS, Explainer, top_attended_words

__all__ = ["Explainer", "top_attended_words", "MAX_INPUT_CHARS", "TokenModel", "ClassifierParts",
           "check_ids", "predict_ids", "gradient_x_input", "attention_weights",
           "ablated_probabilities", "ABLATIONS", "RANKINGS", "delete_tokens", "top_k_mask",
           "k_for_fraction", "leave_one_out", "random_scores", "rank_tokens", "erasure_curves",
           "kendall_agreement"]
