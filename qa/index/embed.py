"""The process-wide embedder: which runtime of the model a process uses, loaded once.

"default" is the int8 ONNX copy when it agrees with torch, else the fp32 copy, else torch itself
(see `onnx_embed`); QA_EMBEDDER chooses one. The model takes seconds to load, so it is cached.
"""

from __future__ import annotations

import os

from ..errors import ModelError
from .model import Embedder
from .onnx_embed import load_fast_embedder
from .torch_embed import SentenceTransformerEmbedder

__all__ = ["KINDS", "load_embedder"]

_LOADED: dict[str, Embedder] = {}
KINDS = ("default", "onnx", "onnx-fp32", "torch")


def load_embedder(kind: str | None = None) -> Embedder:
    """The process-wide embedder, loaded once (the model takes seconds to load).

    Args:
        kind: "onnx" (the int8 copy of the model on ONNX Runtime: about twice as fast on a
            question, vectors within a cosine of about 0.99 of torch's; see `onnx_embed.py`),
            "onnx-fp32" (the fp32 copy: torch's vectors, faster than torch on a question),
            "torch" (sentence-transformers), or "default": the first of those three that can be
            made and agrees with torch. None reads the environment variable QA_EMBEDDER, else
            "default".
    """
    kind = kind or os.environ.get("QA_EMBEDDER", "default")
    if kind not in KINDS:
        raise ModelError(
            f"unknown embedder {kind!r}; the valid ones are {', '.join(KINDS)} (QA_EMBEDDER)."
        )
    if kind not in _LOADED:
        if kind == "torch":
            _LOADED[kind] = SentenceTransformerEmbedder()
        else:
            variants = {"onnx": ("int8",), "onnx-fp32": ("fp32",), "default": ("int8", "fp32")}[
                kind
            ]
            fast = next(
                (
                    e
                    for e in (
                        load_fast_embedder(variant=v, reference=lambda: load_embedder("torch"))
                        for v in variants
                    )
                    if e is not None
                ),
                None,
            )
            if fast is None and kind != "default":
                raise ModelError(
                    f"the {variants[0]} ONNX copy of the model could not be made or does not agree "
                    "with torch; use QA_EMBEDDER=torch."
                )
            _LOADED[kind] = fast or load_embedder("torch")
    return _LOADED[kind]
