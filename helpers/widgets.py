"""Interactive explorers (ipywidgets). Every callback turns bad input into a message, never a
traceback: a learner typing into a box should never see a stack trace."""
from __future__ import annotations

MAX_DATE_CHARS = 40


def check_date_text(text: str) -> tuple[str | None, str | None]:
    """Vet a typed date for the translator: returns ``(error, warning)``.

    ``error`` (translation refused) for empty or overlong input; ``warning`` (translated, but
    the answer is a guess) for characters the date vocabulary does not contain.
    """
    from helpers.seq2seq import date_vocabularies

    stripped = text.strip()
    if not stripped:
        return "Type a date, for example 'Sep 27, 1994', '9/27/94' or 'TUESDAY, SEPTEMBER 27, 1994'.", None
    if len(stripped) > MAX_DATE_CHARS:
        return (f"That is {len(stripped)} characters; the model was trained on dates of at most 29. "
                f"Type a single date (up to {MAX_DATE_CHARS} characters)."), None
    unknown = date_vocabularies()[0].unknown_characters(stripped)
    if unknown:
        return None, (f"The model never saw {' '.join(repr(c) for c in unknown)}; it reads them as "
                      "<unk>, so the answer below is a guess.")
    return None, None


def date_translator_widget(model, examples=("Sep 27, 1994", "TUESDAY, SEPTEMBER 27, 1994", "9/27/94")):
    """A text box: type a date, see its ISO translation and the attention heatmap.

    ``model`` is a trained date model (or the path of its ``.keras`` file).
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    from helpers.plots import attention_heatmap
    from helpers.seq2seq import load_date_translator, translate_dates

    model = load_date_translator(model)
    box = widgets.Text(value=examples[0], description="Date:", continuous_update=False,
                       placeholder="e.g. " + " / ".join(examples),
                       layout=widgets.Layout(width="420px"))
    out = widgets.Output()

    def show(change=None):
        out.clear_output(wait=True)
        with out:
            error, warning = check_date_text(box.value)
            if error:
                print(error)
                return
            if warning:
                print(warning)
            text = box.value.strip()
            (iso,), (weights,) = translate_dates(model, [text], return_attention=True)
            print(f"{text!r} -> {iso}")
            attention_heatmap(weights, x_labels=list(text), y_labels=(list(iso) + ["<end>"])[: len(weights)],
                              xlabel="input characters", ylabel="output characters",
                              title="Where each output character looked")
            plt.show()

    box.observe(show, names="value")
    show()
    display(widgets.VBox([box, out]))
    return box, out


MAX_SPANISH_TOKENS = 40


def check_spanish_text(text: str, model) -> tuple[str | None, str | None]:
    """Vet a typed Spanish sentence for :class:`helpers.translator.Translator`: ``(error, warning)``.

    ``error`` (nothing translated) for empty input, input with no word (punctuation only) and
    input longer than :data:`MAX_SPANISH_TOKENS` tokens; ``warning`` (translated, but words are
    read as ``[UNK]``) for words outside the model's source vocabulary.
    """
    from helpers.translator import preprocess

    tokens = preprocess(text).split()
    if not tokens:
        return "Type a Spanish sentence, for example '¿Dónde está la estación?'.", None
    if not any(any(ch.isalnum() for ch in t) for t in tokens):
        return f"{text.strip()!r} has punctuation but no words; type a Spanish sentence.", None
    if len(tokens) > MAX_SPANISH_TOKENS:
        return (f"That is {len(tokens)} tokens; the training sentences are mostly 3-15 tokens long. "
                f"Type one sentence of at most {MAX_SPANISH_TOKENS} tokens."), None
    known = set(model.source_vocabulary)
    unknown = sorted({t for t in tokens if t not in known})
    if unknown:
        return None, (f"Not in the model's vocabulary: {', '.join(unknown)}. They are read as "
                      "[UNK], so the translation is a guess around them.")
    return None, None


def spanish_translator_widget(model, examples=("¿Dónde está la estación?", "Hoy hace mucho calor.",
                                               "No sé lo que quieres decir.")):
    """A text box and a beam-width slider: type Spanish, see the English and the alignment.

    ``model`` is a trained :class:`helpers.translator.Translator`.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    from helpers.plots import attention_heatmap
    from helpers.translator import END, preprocess

    box = widgets.Text(value=examples[0], description="Spanish:", continuous_update=False,
                       placeholder="e.g. " + " / ".join(examples), layout=widgets.Layout(width="520px"))
    beam = widgets.IntSlider(value=1, min=1, max=8, description="beam width:")
    out = widgets.Output()

    def show(change=None):
        out.clear_output(wait=True)
        with out:
            error, warning = check_spanish_text(box.value, model)
            if error:
                print(error)
                return
            if warning:
                print(warning)
            (english,), (tokens,), (weights,) = model.translate([box.value], beam_width=beam.value,
                                                                 return_attention=True)
            print(f"{box.value.strip()!r} -> {english!r}")
            rows = (tokens + [END])[: len(weights)]
            attention_heatmap(weights, x_labels=preprocess(box.value).split(), y_labels=rows,
                              xlabel="Spanish (source tokens)", ylabel="English (output tokens)",
                              title="Where each English word looked")
            plt.show()

    box.observe(show, names="value")
    beam.observe(show, names="value")
    show()
    display(widgets.VBox([box, beam, out]))
    return box, beam, out
