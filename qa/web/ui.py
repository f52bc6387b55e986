"""The Gradio app: the chat with cited answers, the reading view, the widget, feedback and the API.

One `Assistant` serves every student, and every question goes through one `AskService` (rate
limit, answer, feedback log); the chat keeps each conversation's questions in session state (they
are the follow-up history) and renders replies with `qa.web.render`, which escapes every text that
comes from a question or a reading. The only public API endpoint is `ask`; every UI event is
private. The trade-off: replies are our own HTML (not Markdown), styled by `qa/static/chat.css`,
and "show in reading" needs a few lines of JavaScript (`qa/static/chat-head.html`) to switch to
the Reading tab; without script the link still opens the standalone reading page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import gradio as gr

from ..answering.answer import EMPTY_QUESTION
from ..answering.service import (
    LIMIT_MESSAGE,
    LOCAL_CLIENT,
    AskRequest,
    AskService,
    IndexedAnswerer,
    RateLimited,
)
from ..errors import QAError
from .feedback import FeedbackLog
from .ratelimit import RateLimiter, client_key
from .render import (
    candidate_questions,
    render_answer,
    render_notice,
    render_question,
    render_reading,
    text_html,
)

__all__ = [
    "UISettings",
    "build_chat_app",
    "suggested_questions",
    "THEME",
    "CSS",
    "WIDGET_CSS",
    "head_html",
    "ALL_READINGS",
    "LIMIT_MESSAGE",
]

log = logging.getLogger(__name__)

ALL_READINGS = "__all__"
APP_TITLE = "Reading assistant"
_PRIVATE = {"api_visibility": "private"}  # every UI event; the only public endpoint is `ask`


@dataclass(frozen=True)
class UISettings:
    """How the app is served: path prefix, limits, logs and layout."""

    root_path: str = ""
    feedback_log: FeedbackLog | None = None
    limiter: RateLimiter | None = None
    concurrency: int = 8
    widget: bool = False
    examples: int = 4
    user_secret: str | None = None  # the course platform's key for signed student ids (rate limits)


# Gradio's default orange and grey fail WCAG AA contrast (white on orange-500 is 2.8:1, grey-400 on
# white 2.5:1): the same hues, a few shades darker where text sits on them or is drawn in them.
THEME = gr.themes.Default(
    font=[
        "system-ui",
        "-apple-system",
        "Segoe UI",
        "Roboto",
        "Helvetica Neue",
        "Arial",
        "sans-serif",
    ],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
).set(
    color_accent="*primary_700",
    button_primary_background_fill="*primary_700",
    button_primary_background_fill_dark="*primary_700",
    button_primary_background_fill_hover="*primary_800",
    button_primary_background_fill_hover_dark="*primary_800",
    button_primary_border_color="*primary_700",
    button_primary_border_color_dark="*primary_700",
    button_primary_border_color_hover="*primary_800",
    button_primary_border_color_hover_dark="*primary_800",
    body_text_color_subdued="*neutral_600",
    body_text_color_subdued_dark="*neutral_400",
)


def _static(name: str) -> str:
    """A file of `qa/static/` (the page's CSS and script, kept as files so they read as such)."""
    return (Path(__file__).resolve().parent.parent / "static" / name).read_text(encoding="utf-8")


CSS = _static("chat.css")

# The widget lives in a 400 x 600 frame on a course page: small margins, the chat and the box only.
WIDGET_CSS = CSS + _static("widget.css")

# Runs in the page: "show in reading" opens the Reading tab at the cited paragraph, marks the
# sentence and moves the focus there, with a link back to the conversation (the same link opens the
# standalone reading page in the widget or without script). For screen readers, each new reply is
# announced once, its direct answer first, through a status region of our own: Gradio's chat log is
# a live region that would read the whole reply with every passage (and some markup of Gradio's
# is corrected here too, see `fixGradio`). It also brings each new reply's question to the top of
# the conversation (Gradio's autoscroll is off), makes "Copy message" copy a reply as plain text,
# and, in the web component on a course page, points the links at the app's own address.
_HEAD_SCRIPT = _static("chat-head.html")


def head_html(widget: bool) -> str:
    """The `<head>` addition of the page: "show in reading" for the app or for the widget."""
    return _HEAD_SCRIPT.replace("%MODE%", "widget" if widget else "app")


def suggested_questions(assistant: IndexedAnswerer, limit: int = 4) -> list[str]:
    """Questions made from the readings that the assistant does answer (checked by asking them)."""
    good = []
    for question in candidate_questions(assistant.index.readings.values()):
        try:
            if not assistant.ask(question).abstained:
                good.append(question)
        except QAError:
            continue
        if len(good) >= limit:
            break
    return good


def _rate_key(request: gr.Request | None, secret: str | None = None) -> str:
    if request is None:
        return LOCAL_CLIENT
    host = request.client.host if getattr(request, "client", None) else None
    return client_key(request.headers, request.query_params, host, secret)


def _sources(assistant: IndexedAnswerer) -> dict[str, str]:
    """The web address of each reading that has one (read from the live index: readings change)."""
    readings = assistant.index.readings
    return {
        doc: r.meta.get("source_url", "")
        for doc, r in readings.items()
        if r.meta.get("source_url", "").startswith(("http://", "https://"))
    }


def _reading_choices(readings) -> list[tuple[str, str]]:
    return [("All readings", ALL_READINGS)] + [
        (r.title, doc) for doc, r in sorted(readings.items(), key=lambda kv: kv[1].title.lower())
    ]


def _readings_html(readings) -> str:
    return "".join(
        render_reading(r) for _, r in sorted(readings.items(), key=lambda kv: kv[1].title.lower())
    )


def _limit_html(message: str) -> str:
    return f'<div class="qa-reply"><p class="qa-limit">{text_html(message)}</p></div>'


def _vote(liked) -> str | None:
    """Gradio's like value as a vote: "up", "down", or None when the vote was withdrawn."""
    if liked is True or liked == "Like":
        return "up"
    if liked is False or liked == "Dislike":
        return "down"
    return None


@dataclass(frozen=True)
class _Handlers:
    """The chat's event handlers (plain functions: Gradio reads their type hints)."""

    respond: Callable
    from_example: Callable
    retry: Callable
    clear: Callable
    on_like: Callable


def _answer_turn_fn(service: AskService, settings: UISettings, suggestions: list[str]):
    base = settings.root_path.rstrip("/")

    def answer_turn(
        question: str, doc: str | None, turns: list[dict], request: gr.Request | None
    ) -> tuple[str, dict]:
        """Ask one question with the conversation's earlier questions; (reply HTML, turn record)."""
        history = tuple(t["question"] for t in turns if not t.get("limited"))
        ask = AskRequest(question, history, doc, _rate_key(request, settings.user_secret))
        try:
            answer = service.ask(ask)
        except RateLimited as exc:
            return _limit_html(exc.message), {"question": question, "limited": True}
        except QAError as exc:
            reply = f'<div class="qa-reply">{render_notice(str(exc))}</div>'
            return reply, {"question": question, "limited": True}
        reply = render_answer(answer, base, _sources(service.assistant), suggestions)
        ids = [p.id for p in answer.passages]
        return reply, {"question": question, "passage_ids": ids, "abstained": answer.abstained}

    return answer_turn


def _handlers(service: AskService, settings: UISettings, suggestions: list[str]) -> _Handlers:
    answer_turn = _answer_turn_fn(service, settings, suggestions)

    def respond(question: str, doc: str, chat: list, turns: list, request: gr.Request):
        question = (question or "").strip()
        if not question:
            gr.Info(EMPTY_QUESTION)  # a toast: the conversation itself stays as it was
            return "", chat, turns
        doc_id = None if not doc or doc == ALL_READINGS else doc
        reply, turn = answer_turn(question, doc_id, turns, request)
        chat = list(chat or []) + [
            {"role": "user", "content": render_question(question)},
            {"role": "assistant", "content": reply},
        ]
        return "", chat, list(turns or []) + [turn]

    def from_example(data: gr.SelectData, doc: str, chat: list, turns: list, request: gr.Request):
        value = data.value if isinstance(data.value, dict) else {"text": str(data.value)}
        return respond(str(value.get("text", "")), doc, chat, turns, request)

    def retry(doc: str, chat: list, turns: list, request: gr.Request):
        if not turns:
            return "", chat, turns
        last = turns[-1]
        return respond(last["question"], doc, list(chat or [])[:-2], list(turns)[:-1], request)

    def clear():
        return [], [], ""

    return _Handlers(respond, from_example, retry, clear, _like_fn(settings.feedback_log))


def _like_fn(feedback: FeedbackLog | None):
    def on_like(data: gr.LikeData, turns: list, comment: str):
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn_no = int(index) // 2
        if feedback is None or not (0 <= turn_no < len(turns)) or turns[turn_no].get("limited"):
            return comment, ""
        vote = _vote(data.liked)
        if vote is None:  # the vote was withdrawn
            return comment, ""
        turn = turns[turn_no]
        try:
            feedback.vote(
                turn["question"],
                turn.get("passage_ids", []),
                vote,
                comment,
                turn.get("abstained", False),
            )
        except QAError as exc:
            log.warning("%s", exc)
            return comment, "Your feedback could not be saved; please tell your instructor."
        return "", "Thank you, your feedback was recorded."

    return on_like


def _ask_api_fn(service: AskService, secret: str | None):
    def ask_api(
        question: str, history: list[str] | None = None, request: gr.Request = None
    ) -> dict:
        """Answer a question about the readings: the quoted answer, its passages and citations
        (JSON)."""  # Gradio joins the lines into the endpoint's description
        question = question if isinstance(question, str) else ""
        history = tuple(str(h) for h in history) if isinstance(history, list) else ()
        return service.ask_json(AskRequest(question, history, client=_rate_key(request, secret)))

    return ask_api


def _chat_column(
    handlers: _Handlers,
    turns: gr.State,
    choices: list[tuple[str, str]],
    suggestions: list[str],
    settings: UISettings,
    height: int,
) -> gr.Dropdown:
    """The reading menu, the conversation, the question box and its buttons, wired up."""
    doc = gr.Dropdown(
        choices=choices,
        value=ALL_READINGS,
        label="Search in",
        visible=len(choices) > 2,
        interactive=True,
    )
    chat = gr.Chatbot(
        label="Conversation",
        height=height,
        examples=[{"text": q} for q in suggestions[: settings.examples]],
        placeholder="Ask a question about the reading, or pick one of these."
        if suggestions
        else "Ask a question about the reading.",
        latex_delimiters=[],
        sanitize_html=True,
        feedback_options=("Like", "Dislike"),
        group_consecutive_messages=False,
        buttons=["copy"],
        # Gradio's autoscroll shows a reply's end; chat-head.html shows its question and start.
        autoscroll=False,
        elem_id="qa-chatbot",
    )
    with gr.Row(equal_height=True):
        box = gr.Textbox(
            label="Your question",
            placeholder="Type a question and press Enter",
            lines=1,
            max_lines=4,
            scale=5,
            min_width=160,
            elem_id="qa-question",
            autofocus=not settings.widget,
        )
        send = gr.Button("Ask", variant="primary", scale=1, min_width=64, elem_id="qa-ask")
    with gr.Row(elem_classes="qa-buttons"):
        retry_btn = gr.Button("Retry", size="sm", min_width=60, elem_id="qa-retry")
        clear_btn = gr.Button("Clear", size="sm", min_width=60, elem_id="qa-clear")
    with gr.Accordion("Feedback comment", open=not settings.widget, elem_id="qa-feedback"):
        comment = gr.Textbox(
            label="Comment (optional, sent with your next thumbs up or down)",
            lines=1,
            max_lines=3,
            elem_id="qa-comment",
        )
    status = gr.Markdown("", elem_id="qa-status")
    ins, outs, h = [box, doc, chat, turns], [box, chat, turns], handlers
    box.submit(h.respond, ins, outs, **_PRIVATE)
    send.click(h.respond, ins, outs, **_PRIVATE)
    chat.example_select(h.from_example, [doc, chat, turns], outs, **_PRIVATE)
    retry_btn.click(h.retry, [doc, chat, turns], outs, **_PRIVATE)
    clear_btn.click(h.clear, None, [chat, turns, status], **_PRIVATE)
    chat.clear(h.clear, None, [chat, turns, status], **_PRIVATE)  # the chat's own trash button
    chat.like(h.on_like, [turns, comment], [comment, status], **_PRIVATE)
    return doc


def _follow_readings_fn(assistant: IndexedAnswerer):
    built = assistant.index.manifest.build

    def follow_readings():
        """A page opened after an instructor changed the readings shows the current ones."""
        current = assistant.index
        if current.manifest.build == built:
            return gr.skip(), gr.skip()
        menu = gr.Dropdown(
            choices=_reading_choices(current.readings), visible=len(current.readings) > 1
        )
        return menu, _readings_html(current.readings)

    return follow_readings


def build_chat_app(assistant: IndexedAnswerer, settings: UISettings = UISettings()) -> gr.Blocks:
    """The Blocks of the full app (tabs "Chat" and "Reading"), or of the compact widget.

    The app alone exposes the `ask` API endpoint (input `question`, optional `history`; returns
    the JSON answer). Mount it with `qa.web.app.create_app`, which sets the theme, CSS and head.
    Every question goes through one `AskService` (rate limit, answer, feedback log).
    """
    readings = assistant.index.readings
    service = AskService(assistant, limiter=settings.limiter, feedback=settings.feedback_log)
    suggestions = suggested_questions(assistant, max(settings.examples, 3))
    handlers = _handlers(service, settings, suggestions)
    choices = _reading_choices(readings)
    follow_readings = _follow_readings_fn(assistant)

    with gr.Blocks(title=APP_TITLE, analytics_enabled=False, fill_height=False) as demo:
        turns = gr.State([])
        column = partial(_chat_column, handlers, turns, choices, suggestions, settings)
        if settings.widget:
            with gr.Column(elem_id="qa-widget"):
                doc_box = column(height=360)
            demo.load(lambda: follow_readings()[0], None, [doc_box], queue=False, **_PRIVATE)
        else:
            gr.Markdown(
                f"# {APP_TITLE}\nAnswers are quoted word for word from the reading, "
                "with where they stand in it."
            )
            with gr.Tabs():
                with gr.Tab("Chat", id="chat", elem_id="qa-chat-app"):
                    doc_box = column(height=560)
                with gr.Tab("Reading", id="reading", elem_id="qa-reading-tab"):
                    view = gr.HTML(_readings_html(readings), elem_id="qa-reading-view")
            gr.api(_ask_api_fn(service, settings.user_secret), api_name="ask")
            demo.load(follow_readings, None, [doc_box, view], queue=False, **_PRIVATE)
    demo.queue(default_concurrency_limit=max(1, settings.concurrency))
    return demo
