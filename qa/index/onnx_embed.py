"""A faster runtime for the same model: all-MiniLM-L6-v2 exported to ONNX, behind the Embedder seam.

The packaged weights (checked by SHA-256 in `embed.py`) are exported once with `torch.onnx.export`,
mean pooling and L2 normalisation included in the graph, so a run of ONNX Runtime returns what
sentence-transformers returns. The int8 copy made from it (dynamic quantisation of the weight
MatMuls, per channel) is what the product runs by default: a question is encoded in about half the
time, since encoding one short text is bound by reading 42 MB of fp32 weights from memory and int8
reads a quarter of that. Its vectors differ slightly from torch's (cosine about 0.994 on questions),
so an index built with it has its own model identity; retrieval quality with it is measured by
`make quality` and held by the CI quality gate.

Before a file is used, its vectors are compared with the torch embedder's on a sample of texts; the
file is used only when the agreement meets its variant's bar (`AGREEMENT`), and the verdict is
recorded beside the file with the file's SHA-256, so later processes load it without importing
torch at all. The trade-off: a few seconds and one torch load the first time, in exchange for
faster encoding, a quicker start and less memory in every later process.

Files live in a cache folder (never in site-packages), named by the model's SHA-256:
    minilm-<sha[:16]>-<variant>.onnx    the exported (or quantised) graph
    minilm-<sha[:16]>-<variant>.json    its SHA-256 and its agreement with the torch embedder
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..env import cache_dir
from ..errors import ModelError
from ..files import atomic_replace, atomic_write_text, file_sha256
from . import model
from .model import MODEL_NAME, MODEL_SHA256, Embedder, verify_model_files

__all__ = [
    "AGREEMENT",
    "MIN_COSINE",
    "VARIANTS",
    "Agreement",
    "OnnxEmbedder",
    "default_cache_dir",
    "export_onnx",
    "quantize_onnx",
    "measure_agreement",
    "load_fast_embedder",
]

MIN_COSINE = 0.99
VARIANTS = ("int8", "fp32")  # the product's order of preference
# (least, mean) cosine with torch's vectors over the sample that a variant must reach. fp32 is the
# same computation (measured: 1 - 1e-12). int8's worst texts are the shortest (the empty text: about
# 0.98); on the article's questions its least is 0.993 and its mean 0.995.
AGREEMENT = {"fp32": (MIN_COSINE, 0.999), "int8": (0.97, MIN_COSINE)}
EXPORT_FORMAT = 3  # bump when the exported or quantised graph changes, so old files are not trusted
MAX_SEQ_LENGTH = 256  # sentence-transformers' max_seq_length for this model
OPSET = 17
# Left in fp32 by the int8 copy: the first layer's feed-forward output, whose inputs have the
# widest range; quantising it too costs the most agreement (least cosine on questions 0.990
# instead of 0.993) and moves near-tied passages.
KEEP_FP32 = ("/model/encoder/layer.0/output/dense/MatMul",)

# Texts the agreement check always includes: short and long, numbers, punctuation, accents, empty,
# and a text longer than the model reads (truncation must match too).
_SAMPLE = (
    "",
    "Who commands U.S. Indo-Pacific Command?",
    "How many troops does the United States keep in South Korea?",
    "What does USFK stand for?",
    "The alliance was described as ironclad by officials in Seoul and Washington.",
    "In 2025, roughly 28,500 U.S. service members were stationed on the peninsula; "
    "costs rose 8.3%.",
    "Résumé, naïve café — “quoted” text… and emoji 🙂 should tokenise the same way.",
    "photosynthesis converts light energy into chemical energy stored in glucose",
    "What is the capital of France?",
    "He said no.",
    " ".join(
        ["The reading discusses deterrence, burden sharing, and the future of extended deterrence."]
        * 30
    ),
)


def default_cache_dir() -> Path:
    """Where exported models go when no folder is given: $QA_CACHE_DIR, else ~/.cache/reading-qa."""
    return cache_dir()


def _usable_cpus() -> int:
    """The CPUs this process may run on (a container's share, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _stem(variant: str) -> str:
    return f"minilm-{MODEL_SHA256['model.safetensors'][:16]}-{variant}"


# ---------------------------------------------------------------------------- export


def export_onnx(out: Path, folder: Path | None = None) -> Path:
    """Export the packaged model, with mean pooling and L2 normalisation, to an ONNX file.

    The graph takes one input, `input_ids` (one unpadded text a run, as `OnnxEmbedder` runs it):
    with no padding there is no attention mask to build and apply in every layer, which made up
    about a sixth of a run's time, and the pooled mean is over every token.

    Args:
        out: the file to write (written beside, then renamed into place).
        folder: the model folder; the packaged model when None.

    Returns:
        `out`. Raises `ModelError` when the model files fail their SHA-256 check.
    """
    import torch
    from transformers import AutoModel

    folder = Path(folder) if folder else model.model_dir()
    verify_model_files(folder)
    # The plain attention exports to the smallest graph (445 nodes against 565 with "sdpa").
    bert = AutoModel.from_pretrained(
        str(folder), local_files_only=True, attn_implementation="eager"
    ).eval()

    class Pooled(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids):
            hidden = self.model(
                input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids)
            ).last_hidden_state
            return torch.nn.functional.normalize(hidden.mean(1), p=2, dim=1)

    ids = torch.ones(1, 16, dtype=torch.long)
    dynamic = {"input_ids": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"}}

    def export(tmp: Path) -> None:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled(bert),
                (ids,),
                str(tmp),
                input_names=["input_ids"],
                output_names=["embedding"],
                dynamic_axes=dynamic,
                opset_version=OPSET,
                dynamo=False,
            )

    return atomic_replace(Path(out), export)


def quantize_onnx(src: Path, out: Path) -> Path:
    """Write an int8 copy of an exported model (dynamic quantisation of MatMul weights, per channel;
    the MatMuls named in `KEEP_FP32` stay fp32)."""
    import logging

    # Importing ONNX Runtime's quantisation calls logging.basicConfig, which would print every
    # library's debug lines from then on, and quantising logs a pre-processing hint: both are
    # undone, so the process logs as it did before.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        root.setLevel(logging.ERROR)
        return atomic_replace(
            Path(out),
            lambda tmp: quantize_dynamic(
                str(src),
                str(tmp),
                per_channel=True,
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["MatMul"],
                nodes_to_exclude=list(KEEP_FP32),
            ),
        )
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


# ---------------------------------------------------------------------------- the embedder


class OnnxEmbedder:
    """all-MiniLM-L6-v2 on ONNX Runtime; the same surface as `SentenceTransformerEmbedder`.

    Every text is run on its own, never padded into a batch with others: a text's vector is then
    the same whatever it is embedded with (int8's dynamic quantisation scales activations per run,
    so in a batch a text's vector would depend on its neighbours), and no work is spent on padding.
    Many texts are spread over `threads` workers, each running one text at a time on one core;
    measured on the bundled article's 133 texts, that is twice as fast as padded batches of 16 on
    two threads.
    """

    name = MODEL_NAME
    dim = 384
    max_tokens = MAX_SEQ_LENGTH

    def __init__(
        self,
        path: Path,
        variant: str = "fp32",
        folder: Path | None = None,
        threads: int | None = None,
    ):
        from tokenizers import Tokenizer

        folder = Path(folder) if folder else model.model_dir()
        verify_model_files(
            folder
        )  # the tokenizer comes from the package: the same SHA-256 check as torch
        self.path = Path(path)
        self.variant = variant
        # The fp32 graph reproduces the torch vectors, so an index built with either is the same
        # index; int8 vectors differ slightly, so they get their own identity.
        self.sha256 = (
            MODEL_SHA256["model.safetensors"]
            if variant == "fp32"
            else f"{MODEL_SHA256['model.safetensors']}+onnx-{variant}"
        )
        self._encoder = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._encoder.enable_truncation(
            MAX_SEQ_LENGTH
        )  # what the model reads, as sentence-transformers cuts it
        self._encoder.no_padding()
        self._counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._counter.no_truncation()
        self._counter.no_padding()
        self.threads = threads or _usable_cpus()
        self._pool = None
        self._lock = threading.Lock()
        self._session = self._open()

    def _open(self):
        import onnxruntime as ort

        options = ort.SessionOptions()
        # One thread a run: a short text gains nothing from splitting, and requests (or the texts
        # of a build) run side by side on the cores instead.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            return ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types for a bad file
            raise ModelError(
                f"{self.path}: ONNX Runtime could not load this file ({exc}); "
                "delete it to export it again."
            ) from exc

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def _one(self, text: str) -> np.ndarray:
        ids = np.array([self._encoder.encode(text).ids], dtype=np.int64)
        return self._session.run(None, {"input_ids": ids})[0][0]

    def _workers(self):
        with self._lock:
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="qa-embed")
        return self._pool

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if len(texts) == 1 or (texts and self.threads == 1):
            for i, t in enumerate(texts):
                out[i] = self._one(t)
        elif texts:
            # Longest first, so no worker is left with a long text at the end.
            order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
            vectors = self._workers().map(lambda i: self._one(texts[i]), order)
            for i, vector in zip(order, vectors, strict=True):
                out[i] = vector
        return out


# ---------------------------------------------------------------------------- agreement


@dataclass(frozen=True)
class Agreement:
    """How closely a candidate embedder reproduces the reference, text by text, against the bar
    it must reach."""

    texts: int
    min_cosine: float
    mean_cosine: float
    min_required: float = MIN_COSINE
    mean_required: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            self.texts > 0
            and self.min_cosine >= self.min_required
            and self.mean_cosine >= self.mean_required
        )


def measure_agreement(
    candidate: Embedder, reference: Embedder, texts: Sequence[str] = (), variant: str = "fp32"
) -> Agreement:
    """Cosine of the candidate's vector with the reference's for each text (built-in sample plus
    `texts`), judged by the bar of `variant` in `AGREEMENT`."""
    sample = list(_SAMPLE) + [t for t in texts if isinstance(t, str)]
    a = np.asarray(candidate.embed(sample), dtype=np.float64)
    b = np.asarray(reference.embed(sample), dtype=np.float64)
    cos = (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-12)
    least, mean = AGREEMENT[variant]
    return Agreement(len(sample), float(cos.min()), float(cos.mean()), least, mean)


def _record(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def load_fast_embedder(
    cache_dir: Path | None = None,
    *,
    variant: str = "int8",
    reference: Callable[[], Embedder] | None = None,
    sample: Sequence[str] = (),
    threads: int | None = None,
) -> OnnxEmbedder | None:
    """The ONNX embedder, exported and verified on first use; None (with a warning) when it
    cannot be.

    A file whose recorded SHA-256 and agreement hold is loaded directly (no torch). Otherwise the
    model is exported (and quantised for "int8"), compared with `reference` (the torch embedder
    when None) on the built-in sample plus `sample`, and used only when every cosine is at least
    the variant's bar in `AGREEMENT`. A failing variant is remembered, so it is not exported again
    on every start.

    Args:
        cache_dir: folder for the exported files; `default_cache_dir()` when None.
        variant: "int8" (about twice as fast on a question, slightly different vectors) or "fp32"
            (the same vectors as torch).
        reference: makes the embedder to agree with (called only when a file is exported).
        sample: extra texts for the agreement check (e.g. sentences of the readings).
        threads: workers that embed many texts side by side, one text each on one core; the CPUs
            this process may use when None.

    Returns:
        An `OnnxEmbedder`, or None when the export, the runtime or the agreement fails; the caller
        then keeps the torch embedder.
    """
    if variant not in VARIANTS:
        raise ModelError(
            f"unknown ONNX variant {variant!r}; the valid ones are {', '.join(VARIANTS)}."
        )
    folder = Path(cache_dir) if cache_dir else default_cache_dir()
    path = folder / f"{_stem(variant)}.onnx"
    meta = folder / f"{_stem(variant)}.json"
    try:
        known = _verified(path, meta)
        if known is not None:  # judged before: used, or refused without exporting again
            return OnnxEmbedder(path, variant, threads=threads) if known else None
        if reference is None:
            from .torch_embed import SentenceTransformerEmbedder

            reference = SentenceTransformerEmbedder
        folder.mkdir(parents=True, exist_ok=True)
        _export_variant(folder, path, variant)
        embedder = OnnxEmbedder(path, variant, threads=threads)
        agreement = measure_agreement(embedder, reference(), sample, variant)
        _write_record(meta, path, variant, agreement)
        if not agreement.ok:
            warnings.warn(
                f"{path}: ONNX vectors agree with the torch model's only to cosine "
                f"{agreement.min_cosine:.4f} (mean {agreement.mean_cosine:.4f}; at least "
                f"{agreement.min_required} and a mean of {agreement.mean_required} required); "
                "not using it.",
                stacklevel=2,
            )
            return None
        return embedder
    except ModelError:
        raise
    except Exception as exc:  # export and runtime failures take many forms; torch still works
        warnings.warn(
            f"the {variant} ONNX copy of {MODEL_NAME} is not usable "
            f"({type(exc).__name__}: {exc}); not using it.",
            stacklevel=2,
        )
        return None


def _verified(path: Path, meta: Path) -> bool | None:
    """True when the file's record vouches for it (same export format and SHA-256, agreement
    met), False (with a warning) when the record says it disagrees, None when it must be made."""
    record = _record(meta)
    if not (record and record.get("format") == EXPORT_FORMAT and path.is_file()):
        return None
    if not record.get("agreement", {}).get("ok"):
        warnings.warn(
            f"{path}: its vectors disagree with the torch model's ({record.get('agreement')}); "
            f"not using it. Delete {meta} to try again.",
            stacklevel=3,
        )
        return False
    return True if record.get("onnx_sha256") == file_sha256(path) else None


def _export_variant(folder: Path, path: Path, variant: str) -> None:
    """Export the model to `path`; for int8, quantise the fp32 export (made first if needed)."""
    if variant == "fp32":
        export_onnx(path)
        return
    fp32 = folder / f"{_stem('fp32')}.onnx"
    known = _record(folder / f"{_stem('fp32')}.json") or {}
    # An fp32 file of an older export format (one that took an attention mask) is never quantised.
    if not (
        fp32.is_file()
        and known.get("format") == EXPORT_FORMAT
        and known.get("onnx_sha256") == file_sha256(fp32)
    ):
        export_onnx(fp32)
    quantize_onnx(fp32, path)


def _write_record(meta: Path, path: Path, variant: str, agreement: Agreement) -> None:
    """Record the file's SHA-256 and its measured agreement beside it."""
    import onnxruntime

    record = {
        "format": EXPORT_FORMAT,
        "model": MODEL_NAME,
        "model_sha256": MODEL_SHA256["model.safetensors"],
        "variant": variant,
        "onnx_sha256": file_sha256(path),
        "onnxruntime": onnxruntime.__version__,
        "agreement": {**asdict(agreement), "ok": agreement.ok},
    }
    atomic_write_text(meta, json.dumps(record, indent=2) + "\n")
