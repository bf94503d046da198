"""helpers.training.EpochTimer: epoch times, measured and never used to stop training."""
import numpy as np
import pytest

import helpers
from helpers.training import EpochTimer

import keras


def tiny_model():
    helpers.set_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_records_epoch_seconds():
    timer = EpochTimer()
    history = tiny_model().fit(np.ones((8, 3)), np.ones(8), epochs=3, batch_size=4, verbose=0,
                               callbacks=[timer])
    assert len(timer.epoch_seconds) == 3 and all(s > 0 for s in timer.epoch_seconds)
    assert timer.total_seconds == pytest.approx(sum(timer.epoch_seconds))
    assert len(history.history["loss"]) == 3   # every epoch ran: the timer never stops fit


def test_counts_across_fit_calls():
    timer = EpochTimer()
    model = tiny_model()
    for epoch in range(2):
        model.fit(np.ones((8, 3)), np.ones(8), epochs=epoch + 1, initial_epoch=epoch, verbose=0,
                  callbacks=[timer])
    assert len(timer.epoch_seconds) == 2


def test_has_no_time_budget():
    with pytest.raises(TypeError):
        EpochTimer(budget_seconds=10)
