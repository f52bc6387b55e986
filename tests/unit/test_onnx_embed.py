"""The ONNX runtime's settings, without the model: an unknown variant is refused by name."""

from __future__ import annotations

import pytest

from qa.errors import ModelError
from qa.index.onnx_embed import (
    load_fast_embedder,
)


def test_unknown_variant_is_refused(tmp_path):
    with pytest.raises(ModelError, match="int8, fp32"):
        load_fast_embedder(tmp_path, variant="fp16")
