"""A reading assistant for courses: questions answered with cited passages quoted from the readings.

The package is laid out by stage, each importing only the ones below it: `readings` (reading
records, parsing, importers), `index` (chunking, the embedder seam, the store), `answering`
(retrieval, answers, `Assistant`), `evaluation` (question sets, calibration, reports), `web` (the
Gradio app, JSON API, widget, instructor area), and `cli` on top.
The public names are re-exported lazily, so `import qa` (and `qa --help`) stays instant.

Example:
    from qa import AskRequest, AskService, Assistant

    assistant = Assistant.open("index", "corpus")  # builds the index the first time
    print(assistant.ask("Who commands U.S. Forces Korea?").answer)
    AskService(assistant).ask(AskRequest("And since when?", ("Who commands USFK?",)))
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "Answer": "answering.answer",
    "Passage": "answering.answer",
    "Assistant": "answering.assistant",
    "RetrievalSettings": "answering.retrieve",
    "Answerer": "answering.service",
    "IndexedAnswerer": "answering.service",
    "AskRequest": "answering.service",
    "AskService": "answering.service",
    "RateLimited": "answering.service",
    "Chunk": "index.chunk",
    "ChunkSettings": "index.chunk",
    "Sentence": "index.chunk",
    "QAError": "errors",
    "UsageError": "errors",
    "ReadingError": "errors",
    "ModelError": "errors",
    "IndexStoreError": "errors",
    "QuestionSetError": "errors",
    "Paragraph": "readings.records",
    "Reading": "readings.records",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
