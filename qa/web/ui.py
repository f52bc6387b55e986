"""The Gradio app: the chat with cited answers, the reading view, the widget, feedback and the API.

One `Assistant` serves every student; the chat keeps each conversation's questions in session
state (they are the follow-up history) and renders replies with `qa.web.render`, which escapes every
text that comes from a question or a reading. The only public API endpoint is `ask`; every UI
event is private. The trade-off: replies are our own HTML (not Markdown), styled by `CSS` below,
and "show in reading" needs a few lines of JavaScript (`HEAD`) to switch to the Reading tab;
without script the link still opens the standalone reading page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import gradio as gr

from ..answering.answer import EMPTY_QUESTION, Answer
from ..answering.assistant import Assistant
from ..answering.language import with_language_notice
from ..errors import QAError
from .feedback import FeedbackLog
from .ratelimit import LIMIT_MESSAGE, RateLimiter, client_key, retry_text
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

CSS = """
.qa-reply, .qa-q, .qa-reading { overflow-wrap: anywhere; }
.qa-reply p { margin: 0 0 .5em 0; }
.qa-direct { font-weight: 600; }
.qa-direct q { quotes: "“" "”"; }
.qa-n { font-weight: 600; }
.qa-passages { list-style: none; padding-left: 0 !important; margin: .25em 0 0 0; }
.qa-passage { margin: 0 0 .75em 0; }
.qa-cite { font-size: .9em; }
.qa-cite cite { font-style: italic; }
.qa-text { margin: .25em 0 !important; padding: .25em .6em !important; border-left: 3px solid var(--border-color-primary) !important; font-size: .95em; }
.qa-links { font-size: .85em; }
.qa-reply mark, .qa-reading mark { background: #fde68a; color: #111827; padding: 0 .1em; }
.dark .qa-reply mark, .dark .qa-reading mark { background: #facc15; color: #111827; }
.qa-notice { font-style: italic; color: var(--body-text-color-subdued); }
.qa-limit { font-weight: 600; }
.qa-reading { max-width: 46rem; }
.qa-reading .qa-meta, .qa-reading .qa-page, .qa-reading .qa-pnum { color: var(--body-text-color-subdued); font-size: .85em; }
.qa-para { scroll-margin-top: 30vh; padding: .25rem .5rem; border-left: 3px solid transparent; }
.qa-para.qa-cited { background: var(--color-accent-soft); border-left-color: var(--color-accent); }
.qa-para:focus { outline: 2px solid var(--color-accent); }
#qa-chat-app, #qa-widget { max-width: 100%; }
footer { display: none !important; }
@media (max-width: 480px) { .qa-buttons button { min-width: 0 !important; } }
.dark, .dark .gradio-container { --color-accent: var(--primary-500) !important; }  /* the theme has one accent for both */
.qa-sr { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible, summary:focus-visible,
[role="tab"]:focus-visible, [tabindex]:focus-visible, .qa-para:focus { outline: 3px solid var(--color-accent) !important; outline-offset: 2px !important; }
.qa-back { display: inline-block; margin: .25rem .5rem .75rem; }
@media (forced-colors: active) { .qa-para.qa-cited { border-left-color: Highlight; } }
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation-duration: .01ms !important; animation-iteration-count: 1 !important; transition-duration: .01ms !important; scroll-behavior: auto !important; }
}
"""

# The widget lives in a 400 x 600 frame on a course page: small margins, the chat and the box only.
WIDGET_CSS = (
    CSS
    + """
.gradio-container { padding: 4px 6px !important; min-height: 0 !important; }
.gradio-container > main, .gradio-container .main { padding: 0 !important; }
#qa-widget { gap: 6px !important; }
#qa-widget .qa-text { font-size: .9em; }
#qa-ask { min-height: 0 !important; }
"""
)

# Runs in the page: "show in reading" opens the Reading tab at the cited paragraph, marks the
# sentence and moves the focus there, with a link back to the conversation (the same link opens the
# standalone reading page in the widget or without script). For screen readers, each new reply is
# announced once, its direct answer first, through a status region of our own: Gradio's chat log is
# a live region that would read the whole reply with every passage (and some markup of Gradio's
# is corrected here too, see `fixGradio`).
_HEAD_SCRIPT = r"""
<script>
(function () {
  const MODE = "%MODE%";
  let opener = null, announced = "", region = null;
  function markRange(p, start, end) {
    const text = p.querySelector(".qa-ptext");
    if (!text) return;
    const base = parseInt(p.dataset.start || "0", 10);
    let s = start - base, e = end - base, pos = 0, range = document.createRange(), started = false;
    const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    let node;
    while ((node = walker.nextNode())) {
      const len = node.nodeType === 3 ? node.data.length : (node.nodeName === "BR" ? 1 : 0);
      if (node.nodeType !== 3) { pos += len; continue; }
      if (!started && s < pos + len) { range.setStart(node, Math.max(0, s - pos)); started = true; }
      if (started && e <= pos + len) { range.setEnd(node, Math.max(0, e - pos)); break; }
      pos += len;
    }
    if (!started) return;
    const mark = document.createElement("mark");
    try { mark.appendChild(range.extractContents()); range.insertNode(mark); } catch (err) { /* leave the text unmarked */ }
  }
  function clearMarks(root) {
    root.querySelectorAll(".qa-back").forEach(function (a) { a.remove(); });
    root.querySelectorAll(".qa-para.qa-cited").forEach(function (p) {
      p.classList.remove("qa-cited");
      p.querySelectorAll("mark").forEach(function (m) { m.replaceWith(document.createTextNode(m.textContent)); });
      p.normalize();
    });
  }
  function tabNamed(name) {
    return Array.from(document.querySelectorAll('button[role="tab"]')).find(function (b) { return b.textContent.trim() === name; });
  }
  function showInReading(url) {
    const id = decodeURIComponent(url.hash.slice(1));
    const hl = (url.searchParams.get("hl") || "").split("-").map(Number);
    const tab = tabNamed("Reading");
    if (tab) tab.click();
    let tries = 0;
    (function land() {
      const p = document.getElementById(id);
      if (!p || p.offsetParent === null) { if (tries++ < 50) setTimeout(land, 50); return; }
      clearMarks(document);
      p.classList.add("qa-cited");
      if (hl.length === 2 && !isNaN(hl[0]) && !isNaN(hl[1])) markRange(p, hl[0], hl[1]);
      const back = document.createElement("a");
      back.className = "qa-back";
      back.href = "#qa-question";
      back.textContent = "Back to the conversation";
      p.after(back);
      p.scrollIntoView({ block: "center" });
      p.focus({ preventScroll: true });
    })();
  }
  function backToChat() {
    const tab = tabNamed("Chat");
    if (tab) tab.click();
    let tries = 0;
    (function land() {
      const target = (opener && opener.isConnected) ? opener : document.querySelector("#qa-question textarea");
      if (!target || target.offsetParent === null) { if (tries++ < 50) setTimeout(land, 50); return; }
      target.focus();
    })();
  }
  function questionBox() { return document.querySelector("#qa-question textarea"); }
  document.addEventListener("click", function (ev) {
    const el = ev.target.closest ? ev.target : null;
    if (!el) return;
    if (el.closest("a.qa-back")) { ev.preventDefault(); backToChat(); return; }
    if (el.closest("#qa-ask, #qa-retry, #qa-chatbot .examples button")) {
      setTimeout(function () { const box = questionBox(); if (box) box.focus(); }, 0);  // keep asking from the box
      if (el.closest("#qa-retry")) announced = "";  // the same answer again is still news
    }
    const a = el.closest("a.qa-show");
    if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
    ev.preventDefault();
    const url = new URL(a.getAttribute("href"), window.location.href);
    opener = a;
    if (MODE === "app") showInReading(url);
    else window.open(url.href, "_blank", "noopener");
  }, true);

  function text(el) { return el ? el.textContent.replace(/\s+/g, " ").trim() : ""; }
  function summary(reply) {
    const direct = reply.querySelector(".qa-direct q");
    if (direct) {
      const cite = reply.querySelector(".qa-passage .qa-cite");
      const count = reply.querySelectorAll(".qa-passage").length;
      const notice = text(reply.querySelector(".qa-notice"));
      return [text(direct), cite ? "Source: " + text(cite).replace(/^\[1\]\s*/, "") + "." : "",
              count > 1 ? count + " passages are cited below." : "", notice].filter(Boolean).join(" ");
    }
    const refusal = text(reply.querySelector(".qa-refusal"));
    if (refusal) {
      const ideas = Array.from(reply.querySelectorAll(".qa-suggest li")).map(text);
      return refusal + (ideas.length ? " Questions the reading can answer: " + ideas.join("; ") + "." : "");
    }
    return text(reply);
  }
  function announceNewReply() {
    const replies = document.querySelectorAll("#qa-chatbot .qa-reply");
    if (!replies.length) { announced = ""; return; }
    const last = replies[replies.length - 1];
    const key = replies.length + "|" + last.textContent;
    if (key === announced) return;
    announced = key;
    const say = summary(last);
    region.textContent = "";
    setTimeout(function () { region.textContent = say; }, 100);
  }
  function fixGradio() {
    // The chat's example questions are buttons in a role="list" without list items (axe: aria-required-children).
    document.querySelectorAll('#qa-chatbot .examples[role="list"]').forEach(function (el) {
      el.setAttribute("role", "group");
      el.setAttribute("aria-label", "Example questions");
    });
    document.querySelectorAll('#qa-chatbot [role="log"][aria-live="polite"]').forEach(function (el) { el.setAttribute("aria-live", "off"); });
  }
  let pending = false;
  function check() {
    pending = false;
    fixGradio();
    announceNewReply();
  }
  function start() {
    region = document.createElement("div");
    region.id = "qa-announce";
    region.className = "qa-sr";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    region.setAttribute("aria-atomic", "true");
    document.body.appendChild(region);
    new MutationObserver(function () {
      if (!pending) { pending = true; setTimeout(check, 50); }
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
    check();
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
  // With reduced motion asked for, Gradio's smooth scrolls (to a message, to an error) jump instead.
  if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
    const instant = function (original) {
      return function (a, b) {
        if (a && typeof a === "object" && a.behavior === "smooth") a = Object.assign({}, a, { behavior: "auto" });
        return arguments.length > 1 ? original.call(this, a, b) : original.call(this, a);
      };
    };
    window.scrollTo = instant(window.scrollTo);
    Element.prototype.scrollTo = instant(Element.prototype.scrollTo);
    Element.prototype.scrollIntoView = instant(Element.prototype.scrollIntoView);
  }
})();
</script>
"""


def head_html(widget: bool) -> str:
    """The `<head>` addition of the page: the "show in reading" behaviour for the app or the widget."""
    return _HEAD_SCRIPT.replace("%MODE%", "widget" if widget else "app")


def suggested_questions(assistant: Assistant, limit: int = 4) -> list[str]:
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
        return "local"
    host = request.client.host if getattr(request, "client", None) else None
    return client_key(request.headers, request.query_params, host, secret)


def _sources(assistant: Assistant) -> dict[str, str]:
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


def _limit_html(wait: float) -> str:
    return f'<div class="qa-reply"><p class="qa-limit">{text_html(LIMIT_MESSAGE.format(wait=retry_text(wait)))}</p></div>'


def build_chat_app(assistant: Assistant, settings: UISettings = UISettings()) -> gr.Blocks:
    """The Blocks of the full app (tabs "Chat" and "Reading"), or of the compact widget.

    The app alone exposes the `ask` API endpoint (input `question`, optional `history`; returns
    the JSON answer). Mount it with `qa.web.app.create_app`, which sets the theme, CSS and head.
    """
    readings = assistant.index.readings
    base = settings.root_path.rstrip("/")
    suggestions = suggested_questions(assistant, max(settings.examples, 3))
    feedback, limiter = settings.feedback_log, settings.limiter

    def answer_turn(
        question: str, doc: str | None, turns: list[dict], request: gr.Request | None
    ) -> tuple[str, dict]:
        """Ask one question with the conversation's earlier questions; returns (reply HTML, turn record)."""
        if limiter is not None:
            wait = limiter.hit(_rate_key(request, settings.user_secret))
            if wait is not None:
                return _limit_html(wait), {"question": question, "limited": True}
        history = [t["question"] for t in turns if not t.get("limited")]
        try:
            answer = with_language_notice(assistant.ask(question, history, doc=doc))
        except QAError as exc:
            return f'<div class="qa-reply">{render_notice(str(exc))}</div>', {
                "question": question,
                "limited": True,
            }
        ids = [p.id for p in answer.passages]
        if feedback is not None:
            try:
                feedback.question(answer.question, ids, answer.abstained, doc)
            except QAError as exc:  # a full disk must not cost the student the answer
                log.warning("%s", exc)
        return render_answer(answer, base, _sources(assistant), suggestions), {
            "question": question,
            "passage_ids": ids,
            "abstained": answer.abstained,
        }

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

    def on_like(data: gr.LikeData, turns: list, comment: str):
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn_no = int(index) // 2
        if feedback is None or not (0 <= turn_no < len(turns)) or turns[turn_no].get("limited"):
            return comment, ""
        liked = data.liked
        vote = (
            "up"
            if liked is True or liked == "Like"
            else "down"
            if liked is False or liked == "Dislike"
            else None
        )
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

    def ask_api(
        question: str, history: list[str] | None = None, request: gr.Request = None
    ) -> dict:
        """Answer a question about the readings: the quoted answer, its passages and citations (JSON)."""
        if limiter is not None:
            wait = limiter.hit(_rate_key(request, settings.user_secret))
            if wait is not None:
                return {
                    "error": "rate_limited",
                    "message": LIMIT_MESSAGE.format(wait=retry_text(wait)),
                    "retry_after": round(wait, 1),
                }
        question = question if isinstance(question, str) else ""
        history = [str(h) for h in history] if isinstance(history, list) else []
        try:
            answer: Answer = with_language_notice(assistant.ask(question, history))
        except QAError as exc:
            return {"error": "bad_request", "message": str(exc)}
        if feedback is not None and answer.question:
            try:
                feedback.question(
                    answer.question, [p.id for p in answer.passages], answer.abstained
                )
            except QAError as exc:
                log.warning("%s", exc)
        return answer.to_json()

    choices = _reading_choices(readings)
    built = assistant.index.manifest.build
    private = {"api_visibility": "private"}

    with gr.Blocks(title=APP_TITLE, analytics_enabled=False, fill_height=False) as demo:
        turns = gr.State([])
        if not settings.widget:
            gr.Markdown(
                f"# {APP_TITLE}\nAnswers are quoted word for word from the reading, with where they stand in it."
            )

        def chat_column(height: int):
            doc = gr.Dropdown(
                choices=choices,
                value=ALL_READINGS,
                label="Search in",
                visible=len(readings) > 1,
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
                autoscroll=True,
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
            ins = [box, doc, chat, turns]
            box.submit(respond, ins, [box, chat, turns], **private)
            send.click(respond, ins, [box, chat, turns], **private)
            chat.example_select(from_example, [doc, chat, turns], [box, chat, turns], **private)
            retry_btn.click(retry, [doc, chat, turns], [box, chat, turns], **private)
            clear_btn.click(clear, None, [chat, turns, status], **private)
            chat.clear(clear, None, [chat, turns, status], **private)  # the chat's own trash button
            chat.like(on_like, [turns, comment], [comment, status], **private)
            return doc

        view = None
        if settings.widget:
            with gr.Column(elem_id="qa-widget"):
                doc_box = chat_column(height=360)
        else:
            with gr.Tabs():
                with gr.Tab("Chat", id="chat", elem_id="qa-chat-app"):
                    doc_box = chat_column(height=560)
                with gr.Tab("Reading", id="reading", elem_id="qa-reading-tab"):
                    view = gr.HTML(_readings_html(readings), elem_id="qa-reading-view")
            gr.api(ask_api, api_name="ask")

        def follow_readings():
            """A page opened after an instructor changed the readings shows the current ones."""
            current = assistant.index
            if current.manifest.build == built:
                return gr.skip(), gr.skip()
            menu = gr.Dropdown(
                choices=_reading_choices(current.readings), visible=len(current.readings) > 1
            )
            return menu, _readings_html(current.readings)

        if view is not None:
            demo.load(follow_readings, None, [doc_box, view], queue=False, **private)
        else:
            demo.load(lambda: follow_readings()[0], None, [doc_box], queue=False, **private)
    demo.queue(default_concurrency_limit=max(1, settings.concurrency))
    return demo
