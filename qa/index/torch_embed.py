"""all-MiniLM-L6-v2 on sentence-transformers (torch): the reference runtime behind the `Embedder`
seam.

HF_HUB_OFFLINE is forced on and the packaged files are checked (`model.verify_model_files`)
before they are loaded. The ONNX runtime (`onnx_embed`) is faster and is checked against this one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelError
from . import model
from .model import MODEL_NAME, MODEL_SHA256, verify_model_files

__all__ = ["SentenceTransformerEmbedder"]


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, on the CPU, offline."""

    name = MODEL_NAME
    dim = 384

    def __init__(self, folder: Path | None = None, batch_size: int = 64):
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        folder = Path(folder) if folder else model.model_dir()
        verify_model_files(folder)
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()

        try:
            self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        except Exception as exc:  # a broken config surfaces as many exception types
            raise ModelError(
                f"{folder}: the model could not be loaded ({exc}); reinstall it with `make "
                "install`."
            ) from exc
        self._tokenizer = self._model.tokenizer
        self.max_tokens = int(self._model.max_seq_length)
        self.batch_size = batch_size
        self.sha256 = MODEL_SHA256["model.safetensors"]

    def count_tokens(self, text: str) -> int:
        return len(
            self._tokenizer(text, add_special_tokens=False, truncation=False, verbose=False)[
                "input_ids"
            ]
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
