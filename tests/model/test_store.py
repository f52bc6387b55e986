"""An index built with the real packaged model uses the calibration shipped with the package."""

from __future__ import annotations

from qa.index.store import (
    default_calibration,
    load_index,
)


def test_an_index_of_the_packaged_model_uses_the_shipped_calibration(built_index):
    assert load_index(built_index).calibration == default_calibration()
    assert default_calibration()["threshold"] > 0
