"""helpers.outcomes: checks are evaluated, recorded for the margins benchmark, and enforced."""
import json

import pytest

from helpers.outcomes import Outcomes


@pytest.fixture()
def artifacts(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTIFACTS_DIR", str(tmp_path))
    return tmp_path


def test_passing_checks_are_recorded(artifacts, capsys):
    outcomes = Outcomes("99_demo", seed=3)
    outcomes.at_least("accuracy", 0.91, 0.9)
    outcomes.at_most("error", 0.01, 0.05)
    outcomes.holds("no leak", True)
    record = outcomes.finish()
    saved = json.loads((artifacts / "outcomes" / "99_demo.json").read_text())
    assert saved == record and saved["seed"] == 3
    assert [c["value"] for c in saved["checks"]] == [0.91, 0.01, None]
    assert "All 3 outcome checks passed." in capsys.readouterr().out


def test_a_failed_check_fails_after_every_value_is_recorded(artifacts):
    outcomes = Outcomes("99_demo", seed=0)
    outcomes.at_least("accuracy", 0.85, 0.9)      # fails
    outcomes.at_most("error", 0.2, 0.05)          # fails
    outcomes.at_least("bleu", 31.0, 30.0)         # passes, still recorded
    with pytest.raises(AssertionError, match="2 outcome check"):
        outcomes.finish()
    saved = json.loads((artifacts / "outcomes" / "99_demo.json").read_text())
    assert [c["passed"] for c in saved["checks"]] == [False, False, True]


def test_a_false_fact_fails(artifacts):
    outcomes = Outcomes("99_demo", seed=0)
    outcomes.holds("identical after reload", False)
    with pytest.raises(AssertionError, match="identical after reload"):
        outcomes.finish()


@pytest.mark.parametrize("value", [None, "0.9", float("nan"), True])
def test_values_must_be_real_numbers(artifacts, value):
    with pytest.raises(TypeError, match="real number"):
        Outcomes("99_demo", seed=0).at_least("accuracy", value, 0.9)


def test_bad_use(artifacts):
    with pytest.raises(ValueError, match="notebook"):
        Outcomes("", seed=0)
    outcomes = Outcomes("99_demo", seed=0)
    with pytest.raises(ValueError, match="No outcome"):
        outcomes.finish()
    outcomes.at_least("accuracy", 1.0, 0.9)
    with pytest.raises(ValueError, match="twice"):
        outcomes.at_least("accuracy", 1.0, 0.9)


def test_measurements_are_recorded_not_checked_and_read_back_per_seed(artifacts, tmp_path):
    from helpers.outcomes import stored_records

    for seed, seconds in ((2, 120.0), (0, 100.0)):
        outcomes = Outcomes("99_demo", seed=seed)
        outcomes.at_least("accuracy", 0.91, 0.9)
        outcomes.measured("training seconds", seconds)
        with pytest.raises(ValueError, match="twice"):
            outcomes.measured("training seconds", 1.0)
        with pytest.raises(TypeError, match="real number"):
            outcomes.measured("nothing", float("nan"))
        record = outcomes.finish()
        assert len(record["checks"]) == 1          # a measurement is no check
        folder = tmp_path / "margins" / f"seed{seed}"
        folder.mkdir(parents=True)
        (folder / "99_demo.json").write_text(json.dumps(record))
    records = stored_records("99_demo", tmp_path / "margins")
    assert [(r["seed"], r["measurements"]["training seconds"]) for r in records] == [(0, 100.0), (2, 120.0)]
    assert stored_records("99_demo", tmp_path / "absent") == []


def test_stored_run_finds_only_a_run_with_every_wanted_entry(tmp_path):
    from helpers.outcomes import stored_run

    path = tmp_path / "results.json"
    assert stored_run(path, seed=0) is None                      # no file (Colab): the notebook trains
    runs = [{"seed": 0, "config": {"units": 8}, "bleu": 1.0}, {"seed": 1, "config": {"units": 8}, "bleu": 2.0}]
    path.write_text(json.dumps({"runs": runs}))
    assert stored_run(path, seed=1, config={"units": 8})["bleu"] == 2.0
    assert stored_run(path, seed=1, config={"units": 16}) is None  # another size: not this notebook's run
    assert stored_run(path, seed=2, config={"units": 8}) is None
    assert stored_run(path, card={"seed": 0}) is None               # a key the runs lack never matches
