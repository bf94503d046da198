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
