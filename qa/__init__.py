"""A reading assistant for courses: questions answered with cited passages quoted from the readings.

The pipeline, one module a stage: readings -> chunk -> embed -> store -> retrieve -> answer,
with `Assistant` holding them together for the CLI (`qa`), the web app and the evaluation.
The public names are re-exported lazily, so `import qa` (and `qa --help`) stays instant.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "Answer": "answer",
    "Passage": "answer",
    "Assistant": "assistant",
    "Chunk": "chunk",
    "ChunkSettings": "chunk",
    "Sentence": "chunk",
    "QAError": "errors",
    "UsageError": "errors",
    "ReadingError": "errors",
    "ModelError": "errors",
    "IndexStoreError": "errors",
    "QuestionSetError": "errors",
    "Paragraph": "readings",
    "Reading": "readings",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
