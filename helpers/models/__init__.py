"""Model builders and trained-model helpers, one module per model family.

* :mod:`helpers.models.seq2seq`: the LSTM encoder-decoder with and without attention (01, 04)
  and its greedy decoder;
* :mod:`helpers.models.digits`: notebook 01's digit-reversal experiment, repeated in 04;
* :mod:`helpers.models.dates`: the date translator's vocabularies and :func:`translate_dates` (04);
* :mod:`helpers.models.column`: the hidden-column models (03);
* :mod:`helpers.models.classifier`: the IMDB classifier (05, 07), and
  :mod:`helpers.models.baselines`: its bag-of-words baseline, TF-IDF + logistic regression (07);
* :mod:`helpers.models.translator`: the Spanish-English :class:`Translator` (06),
  :mod:`helpers.models.translation_data`: 06's split, vocabularies and batches in one call, and
  :mod:`helpers.models.translator_search`: its decoding to cased English, and
  :mod:`helpers.models.placement`: :class:`RecurrentAttentionTranslator`, the same translator with
  the attention inside the recurrence, placed as Bahdanau et al. or Luong et al. (input feeding) did;
* :mod:`helpers.models.self_attention`: one self-attention block on sequence reversal, a task
  that needs positions (08), and
* :mod:`helpers.models.transformer`: :class:`TransformerTranslator` (pre-norm encoder-decoder on
  :class:`helpers.layers.MultiHeadAttention`, 06's vocabularies and decoding; for 08), and
  :mod:`helpers.models.transformer_decoding`: its incremental (KV-cache) and recompute decoding.

May import: everything below it (:mod:`helpers.runtime`, :mod:`helpers.data`,
:mod:`helpers.text`, :mod:`helpers.metrics`, :mod:`helpers.layers`, :mod:`helpers.training`,
:mod:`helpers.decoding`); nothing above (explain, outcomes, exercises, widgets).
"""
from helpers.models.baselines import fit_tfidf_baseline
from helpers.models.classifier import (COURSE, ORIGINAL, POOLINGS, ClassifierConfig, attention_model,
                                       build_classifier, evaluate_ids, export_model, make_encoder,
                                       predict_texts, train_classifier, training_data)
from helpers.models.column import build_attention_after_lstm, build_attention_pooling, mean_attention
from helpers.models.dates import compare_scores, date_vocabularies, load_date_translator, score_summary, translate_dates
from helpers.models.digits import ReversalResult, train_digit_reversal
from helpers.models.self_attention import REVERSER_POSITIONS, build_self_attention_reverser, reversal_task
from helpers.models.seq2seq import (ATTENTION_SCORES, GreedyDecoder, build_attention_seq2seq, build_seq2seq,
                                    greedy_decoder_for, make_attention, teacher_forcing_arrays)
from helpers.models.transformer import ACTIVATIONS, DecoderBlock, EncoderBlock, TiedOutput, TransformerTranslator
from helpers.models.translator import MAX_SOURCE_TOKENS, Translator, compile_translator, stepwise_loss, teacher_forcing
from helpers.models.translation_data import prepare_translation_data
from helpers.models.placement import PLACEMENTS, RecurrentAttentionTranslator

__all__ = [
    "ACTIVATIONS", "DecoderBlock", "EncoderBlock", "TiedOutput", "TransformerTranslator",
    "REVERSER_POSITIONS", "build_self_attention_reverser", "reversal_task",
    "ATTENTION_SCORES", "COURSE", "compare_scores", "score_summary", "fit_tfidf_baseline", "POOLINGS", "ClassifierConfig", "train_classifier", "training_data", "GreedyDecoder", "MAX_SOURCE_TOKENS", "ORIGINAL",
    "PLACEMENTS", "RecurrentAttentionTranslator", "ReversalResult", "Translator", "attention_model", "build_attention_after_lstm",
    "build_attention_pooling", "build_attention_seq2seq", "build_classifier", "build_seq2seq", "compile_translator",
    "date_vocabularies", "evaluate_ids", "export_model", "greedy_decoder_for", "load_date_translator",
    "make_attention", "make_encoder", "mean_attention", "predict_texts", "stepwise_loss",
    "teacher_forcing", "teacher_forcing_arrays", "train_digit_reversal", "translate_dates",
    "prepare_translation_data",
]
