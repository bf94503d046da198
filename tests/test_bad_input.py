"""Bad input to the course's public functions: a ``TypeError`` or ``ValueError`` whose message says
what to pass, raised before TensorFlow is reached, or a documented defined result (an empty
translation, a probability). One test per case; the models are tiny and untrained."""
import numpy as np
import pytest

import helpers
from helpers import data as D
from helpers import explain as EX
from helpers import layers as L
from helpers import metrics as M
from helpers import models as MD
from helpers import runtime as R
from helpers import text as TX
from helpers import training as TRN
from helpers.text import CharVocabulary

import keras

LONG_TEXT = "hola " * 2_000  # 10,000 characters


@pytest.fixture(scope="module")
def m():
    """Tiny models and inputs shared by the cases: ``m["translator"]``, ``m["dates"]``, ..."""
    helpers.set_seed(0)
    out = {}
    out["translator"] = MD.Translator(TX.make_vocabulary(["¿ dónde está ?", "hola"], 20),
                                     TX.make_vocabulary(["where is it ?", "hi"], 20), embed_dim=4, units=4)
    out["translator"].build()
    source, target = MD.date_vocabularies()
    out["dates"] = MD.build_attention_seq2seq(source.size, target.size, embed_dim=4, units=8)
    out["ids"] = source.encode(["Sep 27, 1994"])
    config = MD.COURSE.replace(vocab_size=40, max_len=6, embed_dim=8, lstm_units=4,
                              attention_units=3, dense_units=5)
    out["config"] = config
    out["encoder"] = MD.make_encoder(config, ["a great film", "bad acting", "loved it"])
    out["classifier"] = MD.build_classifier(config)
    out["export"] = MD.export_model(out["encoder"], out["classifier"])
    out["plain"] = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    out["pooling"], out["pooling_weights"] = MD.build_attention_pooling(6, 2)
    return out


# Each case: (id, function of the fixture dict, expected exception, regex its message must match).
CASES = [
    # ---- Translator.translate and the translator module
    ("translate_none", lambda m: m["translator"].translate(None), TypeError, "list of strings"),
    ("translate_single_string", lambda m: m["translator"].translate("hola"), TypeError, "wrap it in a list"),
    ("translate_number_item", lambda m: m["translator"].translate(["hola", 3]), TypeError, "item 1 is int"),
    ("translate_10000_characters", lambda m: m["translator"].translate([LONG_TEXT]), ValueError,
     "sentence 0 has 2000 tokens.*split the text into sentences"),
    ("translate_max_length_negative", lambda m: m["translator"].translate(["hola"], max_length=-1),
     ValueError, r"max_length must be an integer >= 1, got -1"),
    ("translate_max_length_zero", lambda m: m["translator"].translate(["hola"], max_length=0),
     ValueError, r"max_length must be an integer >= 1, got 0"),
    ("translate_batch_size_zero", lambda m: m["translator"].translate(["hola"], batch_size=0),
     ValueError, r"batch_size must be an integer >= 1, got 0"),
    ("translate_beam_width_float", lambda m: m["translator"].translate(["hola"], beam_width=2.0),
     ValueError, "beam_width must be an integer"),
    ("translate_length_penalty_negative",
     lambda m: m["translator"].translate(["hola"], beam_width=2, length_penalty=-1),
     ValueError, "length_penalty must be a number >= 0"),
    ("translator_vocabulary_none", lambda m: MD.Translator(None, m["translator"].target_vocabulary),
     TypeError, "source_vocabulary must be a list of strings"),
    ("translator_embed_dim_zero", lambda m: MD.Translator(m["translator"].source_vocabulary,
                                                         m["translator"].target_vocabulary, embed_dim=0),
     ValueError, "embed_dim must be an integer >= 1"),
    ("teacher_forcing_not_a_translator", lambda m: MD.teacher_forcing(None, ["hola"], ["hi"]),
     TypeError, "must be a helpers.models.Translator"),
    ("teacher_forcing_unequal_lists", lambda m: MD.teacher_forcing(m["translator"], ["hola"], ["hi", "yo"]),
     ValueError, "1 sources but 2 targets"),
    ("compile_model_bad_learning_rate",
     lambda m: TRN.compile_model(m["translator"], loss=TRN.sequence_loss(), learning_rate=-1.0),
     ValueError, "learning_rate must be a number > 0"),
    ("compile_model_not_a_model", lambda m: TRN.compile_model(None, loss="mse"), TypeError, "keras.Model"),
    ("make_vocabulary_none", lambda m: TX.make_vocabulary(None, 10), TypeError, "texts must be a list of strings"),
    ("make_vocabulary_max_tokens_string", lambda m: TX.make_vocabulary(["a"], "10"), ValueError,
     "max_tokens must be an integer >= 5"),
    ("make_vocabulary_min_count_zero", lambda m: TX.make_vocabulary(["a"], 10, min_count=0), ValueError,
     "min_count must be an integer >= 1"),
    ("leak_free_split_none", lambda m: D.leak_free_split(None), TypeError, "pandas DataFrame"),
    ("leak_free_split_negative_seed", lambda m: D.leak_free_split(
        __import__("pandas").DataFrame({"spanish": ["a", "b", "c"], "english": ["a", "b", "c"]}),
        n_test=1, n_validation=1, seed=-1), ValueError, "seed must be an integer >= 0"),
    ("detokenize_none", lambda m: TX.detokenize(None), TypeError, "tokens must be a list of strings"),
    ("bleu_hypotheses_none", lambda m: M.bleu(None, [["x"]]), TypeError, "hypotheses must be a list of strings"),
    ("bleu_references_none", lambda m: M.bleu(["x"], None), TypeError, "references must be a list"),
    ("bleu_reference_item_none", lambda m: M.bleu(["x"], [None]), TypeError, r"references\[0\]"),
    ("bleu_by_length_unequal", lambda m: M.bleu_by_length(["a"], ["x", "y"], [["x"], ["y"]]),
     ValueError, "1 sources, 2 hypotheses"),
    ("preprocess_none", lambda m: TX.preprocess(None), TypeError, "expects a str"),

    # ---- helpers.models (seq2seq, dates, digits)
    ("translate_dates_none", lambda m: MD.translate_dates(m["dates"], None), TypeError,
     "dates must be a list of strings"),
    ("translate_dates_empty_string", lambda m: MD.translate_dates(m["dates"], ""), TypeError,
     "wrap it in a list"),
    ("translate_dates_empty_date", lambda m: MD.translate_dates(m["dates"], [""]), ValueError,
     "date 0 is empty; type a date"),
    ("translate_dates_blank_date", lambda m: MD.translate_dates(m["dates"], ["Sep 27, 1994", "   "]),
     ValueError, "date 1 is empty"),
    ("translate_dates_emoji", lambda m: MD.translate_dates(m["dates"], ["😀👍"]), ValueError,
     "has no character the model knows"),
    ("translate_dates_model_none", lambda m: MD.translate_dates(None, ["Sep 27, 1994"]), TypeError,
     "trained date model .* or the path"),
    ("translate_dates_max_length_zero", lambda m: MD.translate_dates(m["dates"], ["9/27/94"], max_length=0),
     ValueError, "max_length must be an integer >= 1"),
    ("build_seq2seq_vocab_none", lambda m: MD.build_seq2seq(None, 10), ValueError,
     "source_vocab_size must be an integer >= 1, got None"),
    ("build_seq2seq_units_zero", lambda m: MD.build_seq2seq(10, 10, units=0), ValueError,
     "units must be an integer >= 1"),
    ("build_seq2seq_embed_dim_float", lambda m: MD.build_seq2seq(10, 10, embed_dim=2.5), ValueError,
     "embed_dim must be an integer"),
    ("build_attention_seq2seq_bad_score", lambda m: MD.build_attention_seq2seq(10, 10, score="cosine"),
     ValueError, "score must be one of"),
    ("build_attention_seq2seq_negative_units", lambda m: MD.build_attention_seq2seq(10, 10, units=-4),
     ValueError, "units must be an integer >= 1"),
    ("make_attention_units_none", lambda m: MD.make_attention("additive", None), ValueError,
     "units must be an integer >= 1"),
    ("greedy_decoder_none", lambda m: MD.GreedyDecoder(None), TypeError, "model must be a keras.Model"),
    ("greedy_decoder_foreign_model", lambda m: MD.GreedyDecoder(m["plain"]), ValueError,
     "has no layer.*build_seq2seq or build_attention_seq2seq"),
    ("greedy_decode_none", lambda m: MD.GreedyDecoder(m["dates"])(None, 5), TypeError,
     "2-D array of token ids"),
    ("greedy_decode_one_dimensional", lambda m: MD.GreedyDecoder(m["dates"])(m["ids"][0], 5), ValueError,
     r"must be 2-D \(batch, time\)"),
    ("greedy_decode_float_ids", lambda m: MD.GreedyDecoder(m["dates"])(m["ids"] + 0.5, 5), TypeError,
     "integer token ids"),
    ("greedy_decode_max_length_zero", lambda m: MD.GreedyDecoder(m["dates"])(m["ids"], 0), ValueError,
     "max_length must be an integer >= 1"),
    ("greedy_decode_batch_size_zero", lambda m: MD.GreedyDecoder(m["dates"])(m["ids"], 5, batch_size=0),
     ValueError, "batch_size must be an integer >= 1"),
    ("teacher_forcing_arrays_none", lambda m: MD.teacher_forcing_arrays(None, ["1"], *MD.date_vocabularies()),
     TypeError, "source_texts must be a list of strings"),
    ("teacher_forcing_arrays_unequal", lambda m: MD.teacher_forcing_arrays(["a"], [], *MD.date_vocabularies()),
     ValueError, "1 source texts but 0 target texts"),
    ("teacher_forcing_arrays_vocab", lambda m: MD.teacher_forcing_arrays(["a"], ["b"], "abc", "abc"),
     TypeError, "CharVocabulary"),
    ("train_digit_reversal_no_builder", lambda m: MD.train_digit_reversal(None, n_train=10), TypeError,
     "build_model must be a function"),
    ("train_digit_reversal_no_examples",
     lambda m: MD.train_digit_reversal(lambda v: MD.build_seq2seq(v, v), n_train=0), ValueError,
     "n_train must be an integer >= 1"),
    ("compile_model_zero_learning_rate", lambda m: TRN.compile_model(m["dates"], loss="mse", learning_rate=0.0),
     ValueError, "learning_rate must be a number > 0"),
    ("compile_model_zero_clipnorm", lambda m: TRN.compile_model(m["dates"], loss="mse", clipnorm=0), ValueError,
     "clipnorm must be a number > 0"),
    ("load_date_translator_number", lambda m: MD.load_date_translator(5), TypeError, "or the path"),
    ("char_vocabulary_none", lambda m: CharVocabulary(None), TypeError, "CharVocabulary takes the characters"),
    ("char_vocabulary_numbers", lambda m: CharVocabulary([1, 2]), ValueError, "single characters"),
    ("encode_none", lambda m: CharVocabulary("ab").encode(None), TypeError, "list of strings"),
    ("encode_negative_length", lambda m: CharVocabulary("ab").encode(["a"], length=-1), ValueError,
     "length must be an integer >= 0"),
    ("decode_one_dimensional", lambda m: CharVocabulary("ab").decode([4, 5]), ValueError, "2-D array of ids"),

    # ---- helpers.models.classifier, helpers.text.reviews, helpers.explain
    ("predict_texts_none", lambda m: MD.predict_texts(m["export"], None), TypeError,
     "texts must be a list of strings, got NoneType"),
    ("predict_texts_number", lambda m: MD.predict_texts(m["export"], 5), TypeError,
     "texts must be a list of strings, got int"),
    ("predict_texts_single_string", lambda m: MD.predict_texts(m["export"], "great film"), TypeError,
     "wrap it in a list"),
    ("predict_texts_number_item", lambda m: MD.predict_texts(m["export"], ["fine", 3.5]), TypeError,
     "item 1 is float"),
    ("predict_texts_batch_size_zero", lambda m: MD.predict_texts(m["export"], ["fine"], batch_size=0),
     ValueError, "batch_size must be an integer >= 1"),
    ("predict_texts_model_none", lambda m: MD.predict_texts(None, ["fine"]), TypeError, "keras.Model"),
    ("config_vocab_size_zero", lambda m: MD.COURSE.replace(vocab_size=0), ValueError,
     "vocab_size must be an integer >= 1"),
    ("config_epochs_none", lambda m: MD.COURSE.replace(epochs=None), ValueError, "epochs must be an integer"),
    ("config_dropout_one", lambda m: MD.COURSE.replace(dropout=1.0), ValueError, r"dropout must be a number in \[0, 1\)"),
    ("config_truncate", lambda m: MD.COURSE.replace(truncate="middle"), ValueError, "'first' or 'last'"),
    ("config_learning_rate", lambda m: MD.COURSE.replace(learning_rate=-1e-3), ValueError,
     "learning_rate must be a number > 0"),
    ("review_encoder_vocab_none", lambda m: TX.ReviewEncoder(vocab_size=None), ValueError,
     "vocab_size must be an integer >= 3"),
    ("review_encoder_max_len_zero", lambda m: TX.ReviewEncoder(max_len=0), ValueError,
     "max_len must be an integer >= 1"),
    ("make_encoder_no_config", lambda m: MD.make_encoder(None, ["a"]), TypeError, "ClassifierConfig"),
    ("make_encoder_texts_none", lambda m: MD.make_encoder(m["config"], None), TypeError, "list of strings"),
    ("make_encoder_no_texts", lambda m: MD.make_encoder(m["config"], []), ValueError, "at least one text"),
    ("encode_cached_texts_none", lambda m: TX.encode_cached(m["encoder"], None), TypeError, "list of strings"),
    ("encode_cached_not_an_encoder", lambda m: TX.encode_cached(None, ["a"]), TypeError, "ReviewEncoder"),
    ("build_classifier_no_config", lambda m: MD.build_classifier(None), TypeError, "ClassifierConfig"),
    ("build_classifier_vocab_one", lambda m: MD.build_classifier(m["config"], vocab_size=1), ValueError,
     "vocab_size must be an integer >= 3"),
    ("learning_rate_for_zero_steps", lambda m: m["config"].learning_rate_for(0),
     ValueError, "steps must be an integer >= 1"),
    ("warmup_cosine_zero_steps", lambda m: TRN.warmup_cosine(1e-3, 0), ValueError, "steps must be an integer >= 1"),
    ("attention_model_without_attention", lambda m: MD.attention_model(m["plain"]), ValueError,
     "no layer named 'attention'"),
    ("export_model_not_an_encoder", lambda m: MD.export_model(None, m["classifier"]), TypeError, "ReviewEncoder"),
    ("evaluate_ids_one_dimensional", lambda m: MD.evaluate_ids(m["classifier"], np.array([3, 4]), [1]),
     ValueError, "2-D integer array"),
    ("evaluate_ids_label_count", lambda m: MD.evaluate_ids(m["classifier"], np.ones((2, 3), "int32"), [1]),
     ValueError, "2 reviews but 1 labels"),
    ("top_attended_words_k_zero", lambda m: EX.top_attended_words([], [], [], k=0), ValueError,
     "k must be an integer >= 1"),
    ("explainer_not_an_encoder", lambda m: EX.Explainer(None, m["classifier"]), TypeError, "ReviewEncoder"),

    # ---- helpers.models.column
    ("after_lstm_time_steps_zero", lambda m: MD.build_attention_after_lstm(time_steps=0), ValueError,
     "time_steps must be an integer >= 1"),
    ("after_lstm_input_dim_none", lambda m: MD.build_attention_after_lstm(input_dim=None), ValueError,
     "input_dim must be an integer >= 1"),
    ("after_lstm_learning_rate", lambda m: MD.build_attention_after_lstm(learning_rate=-0.1), ValueError,
     "learning_rate must be a number > 0"),
    ("pooling_time_steps_string", lambda m: MD.build_attention_pooling(time_steps="20"), ValueError,
     "time_steps must be an integer"),
    ("time_step_attention_content", lambda m: L.TimeStepAttention(content="yes"), TypeError,
     "content must be True or False"),
    ("mean_attention_model_none", lambda m: MD.mean_attention(None, np.zeros((1, 6, 2))), TypeError, "keras.Model"),
    ("mean_attention_two_dimensional", lambda m: MD.mean_attention(m["pooling_weights"], np.zeros((6, 2))),
     ValueError, r"x must have shape \(N, T, D\)"),
    ("mean_attention_batch_size_zero",
     lambda m: MD.mean_attention(m["pooling_weights"], np.zeros((1, 6, 2)), batch_size=0),
     ValueError, "batch_size must be an integer >= 1"),

    # ---- helpers.data.batching
    ("bucketed_features_none", lambda m: D.length_bucketed_dataset(None, np.ones(3)), TypeError,
     "features must be numeric arrays"),
    ("bucketed_features_strings", lambda m: D.length_bucketed_dataset(np.array([["a"]]), np.ones(1)),
     TypeError, "features must be numeric arrays"),
    ("bucketed_targets_scalar", lambda m: D.length_bucketed_dataset(np.ones((3, 2), "int32"), 1),
     ValueError, "targets must have an example axis"),
    ("bucketed_batch_size_zero",
     lambda m: D.length_bucketed_dataset(np.ones((3, 2), "int32"), np.ones(3), batch_size=0),
     ValueError, "batch_size must be an integer >= 1"),
    ("bucketed_seed_none", lambda m: D.length_bucketed_dataset(np.ones((3, 2), "int32"), np.ones(3), seed=None),
     ValueError, "seed must be an integer >= 0"),
    ("bucketed_pool_batches_zero",
     lambda m: D.length_bucketed_dataset(np.ones((3, 2), "int32"), np.ones(3), pool_batches=0),
     ValueError, "pool_batches must be an integer >= 1"),

    # ---- helpers.data (loaders and generated tasks)
    ("load_imdb_none", lambda m: D.load_imdb(None), ValueError, "is not a split; use 'train' or 'test'"),
    ("load_imdb_number", lambda m: D.load_imdb(5), ValueError, "is not a split; use 'train' or 'test'"),
    ("load_spa_eng_argument", lambda m: D.load_spa_eng("spa"), TypeError, "positional argument"),
    ("generate_dates_none", lambda m: D.generate_dates(None), ValueError, "n must be an integer >= 0, got None"),
    ("generate_dates_seed_none", lambda m: D.generate_dates(5, seed=None), ValueError,
     "seed must be an integer >= 0, got None"),
    ("generate_dates_seed_string", lambda m: D.generate_dates(5, seed="1"), ValueError, "seed must be an integer"),
    ("generate_dates_formats_number", lambda m: D.generate_dates(5, formats=5), TypeError,
     "formats must be None, a name of DATE_FORMATS or a list of names"),
    ("generate_dates_formats_none_item", lambda m: D.generate_dates(5, formats=[None]), ValueError,
     r"unknown date format\(s\) \[None\]"),
    ("date_splits_none", lambda m: D.date_splits(None, 5), ValueError, "n_train must be an integer >= 0"),
    ("date_splits_negative_seed", lambda m: D.date_splits(5, 5, seed=-1), ValueError,
     "seed must be an integer >= 0"),
    ("digit_task_seed_none", lambda m: D.digit_task(5, seed=None), ValueError, "seed must be an integer >= 0"),
    ("digit_task_task_none", lambda m: D.digit_task(5, task=None), ValueError, "use 'copy' or 'reverse'"),
    ("digit_task_max_len_none", lambda m: D.digit_task(5, max_len=None), ValueError,
     "max_len must be an integer >= 1"),
    ("attention_column_data_none", lambda m: D.attention_column_data(None), ValueError,
     "n must be an integer >= 0"),
    ("attention_column_data_time_steps_zero", lambda m: D.attention_column_data(5, time_steps=0), ValueError,
     "time_steps must be an integer >= 1"),
    ("attention_column_data_input_dim_string", lambda m: D.attention_column_data(5, input_dim="2"), ValueError,
     "input_dim must be an integer"),
    ("attention_column_data_seed_float", lambda m: D.attention_column_data(5, seed=1.5), ValueError,
     "seed must be an integer"),
    ("attention_column_data_column_none", lambda m: D.attention_column_data(5, attention_column=None),
     ValueError, r"attention_column must be an integer in \[0, 19\]"),

    # ---- helpers.metrics
    ("exact_match_none", lambda m: M.exact_match(None, ["a"]), TypeError, "predictions must be a list of strings"),
    ("char_accuracy_none", lambda m: M.char_accuracy(None, "a"), TypeError, "prediction must be a str"),
    ("accuracy_by_length_one_edge", lambda m: M.accuracy_by_length(["a"], ["a"], [1], bins=[5]), ValueError,
     "bins must be at least two increasing edges"),
    ("accuracy_by_length_decreasing", lambda m: M.accuracy_by_length(["a"], ["a"], [1], bins=[5, 1]),
     ValueError, "bins must be at least two increasing edges"),

    # ---- helpers.runtime
    ("set_seed_none", lambda m: helpers.set_seed(None), ValueError, "seed must be an integer >= 0, got None"),
    ("set_seed_negative", lambda m: helpers.set_seed(-1), ValueError, "seed must be an integer >= 0"),
    ("check_int_bool", lambda m: R.check_int("n", True), ValueError, "n must be an integer >= 1, got True"),
    ("check_strings_bytes", lambda m: R.check_strings("texts", b"abc"), TypeError, "wrap it in a list"),
]


@pytest.mark.parametrize("call, error, message", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_raises_a_clear_error(m, call, error, message):
    with pytest.raises(error, match=message):
        call(m)


# ---- documented defined results (not errors)

def test_translate_empty_sentence_alone_is_an_empty_translation(m):
    assert m["translator"].translate([""]) == [""]


def test_translate_emoji_only_is_an_empty_translation_with_empty_weights(m):
    texts, tokens, weights = m["translator"].translate(["😀👍", "hola"], max_length=3, return_attention=True)
    assert texts[0] == "" and tokens[0] == [] and weights[0].shape == (0, 0)
    assert weights[1].shape[1] == 1  # the other sentence is translated as usual


def test_translate_no_token_sentence_leaves_the_others_unchanged(m):
    alone = m["translator"].translate(["¿Dónde está?", "hola"], max_length=4)
    mixed = m["translator"].translate(["", "¿Dónde está?", "   ", "hola"], max_length=4)
    assert mixed == ["", alone[0], "", alone[1]]


def test_translate_dates_empty_list_is_an_empty_result(m):
    assert MD.translate_dates(m["dates"], []) == []


def test_translate_dates_with_some_unknown_characters_is_a_guess(m):
    (iso,) = MD.translate_dates(m["dates"], ["Sep 27, 1994 😀"])
    assert isinstance(iso, str)


def test_predict_texts_without_words_is_a_probability(m):
    probabilities = MD.predict_texts(m["export"], ["", "😀👍", "great"])
    assert probabilities.shape == (3,) and ((0 <= probabilities) & (probabilities <= 1)).all()


def test_predict_texts_accepts_a_tuple_and_an_empty_list(m):
    assert MD.predict_texts(m["export"], ("great", "bad")).shape == (2,)
    assert MD.predict_texts(m["export"], []).shape == (0,)
