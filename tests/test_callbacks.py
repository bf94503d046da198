"""helpers.callbacks.TimedTraining: epoch times, and the training budget that stops fit."""
import numpy as np
import pytest

import helpers
from helpers.callbacks import TimedTraining

import keras


def tiny_model():
    helpers.set_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_records_epoch_seconds_without_a_budget():
    timer = TimedTraining()
    tiny_model().fit(np.ones((8, 3)), np.ones(8), epochs=3, batch_size=4, verbose=0, callbacks=[timer])
    assert len(timer.epoch_seconds) == 3 and all(s > 0 for s in timer.epoch_seconds)
    assert timer.total_seconds == pytest.approx(sum(timer.epoch_seconds))
    assert not timer.stopped_early


def test_budget_stops_training_after_the_batch_that_spends_it():
    timer = TimedTraining(budget_seconds=1e-9)
    history = tiny_model().fit(np.ones((40, 3)), np.ones(40), epochs=5, batch_size=4, verbose=0,
                               callbacks=[timer])
    assert timer.stopped_early and len(history.history["loss"]) == 1 and len(timer.epoch_seconds) == 1


def test_budget_counts_across_fit_calls():
    timer = TimedTraining(budget_seconds=3600)
    model = tiny_model()
    for epoch in range(2):
        model.fit(np.ones((8, 3)), np.ones(8), epochs=epoch + 1, initial_epoch=epoch, verbose=0,
                  callbacks=[timer])
    assert len(timer.epoch_seconds) == 2 and not timer.stopped_early


@pytest.mark.parametrize("budget", [0, -1.0])
def test_bad_budget(budget):
    with pytest.raises(ValueError, match="budget_seconds"):
        TimedTraining(budget_seconds=budget)
