"""The instructor area's JSON API: list, add and remove readings; read the feedback summary.

    GET    /instructor/api/readings          {"readings": [{doc, title, file, pages, chunks,
                                               status}], "updating": …}
    POST   /instructor/api/readings          multipart field `file`, or JSON {"url": "https://…"}
                                             -> 201 {"doc": …, "added": true, …}
                                             (200, added false: already there)
    DELETE /instructor/api/readings/{doc}    -> 200 {"doc": …, "removed": true, …}
    GET    /instructor/api/feedback          what `qa feedback --json` prints, with per_day
                                             and most_refused

`InstructorGuard` (qa/web/instructor.py) has already checked the session or the bearer password and
the origin. Errors are JSON as in `POST /api/ask`: {"error": CODE, "message": TEXT}. A body over
the import limit is read to its end and refused (413), so every client sees the answer rather than
a broken connection. The trade-off: adding a reading holds the request until the index is
updated (seconds), which keeps the API one call, one result.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ..errors import QAError, ReadingError
from ..readings.convert import MAX_IMPORT_BYTES
from .api import ApiError
from .feedback import read_records
from .feedback_report import feedback_report

__all__ = ["add_instructor_api", "READINGS_PATH", "FEEDBACK_PATH", "MAX_DRAIN_BYTES"]

log = logging.getLogger(__name__)

READINGS_PATH = "/instructor/api/readings"
FEEDBACK_PATH = "/instructor/api/feedback"
MULTIPART_SLACK = 64_000  # the multipart envelope around the file
MAX_DRAIN_BYTES = 4 * MAX_IMPORT_BYTES  # beyond this a refused body is not read to its end
_NO_STORE = {"Cache-Control": "no-store"}


def _error(exc: ApiError):
    from starlette.responses import JSONResponse

    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers())


def _reading_error(exc: QAError) -> ApiError:
    if isinstance(exc, ReadingError):
        return ApiError(400, "bad_reading", str(exc))
    log.error("the index update failed: %s", exc)
    return ApiError(
        503,
        "index_update_failed",
        f"the index could not be updated ({exc}); the corpus is as it was.",
    )


async def _drain(request) -> None:
    read = 0
    async for chunk in request.stream():
        read += len(chunk)
        if read > MAX_DRAIN_BYTES:
            break


async def _upload(request) -> tuple[str | None, bytes]:
    """The file of a multipart upload (field `file`), with the size checked before it is read."""
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise ApiError(411, "length_required", "send the upload with a Content-Length header.")
    if int(declared) > MAX_IMPORT_BYTES + MULTIPART_SLACK:
        await _drain(request)
        raise ApiError(
            413,
            "too_large",
            f"the upload is {int(declared) / 1e6:.1f} MB; a reading may be at most "
            f"{MAX_IMPORT_BYTES / 1e6:.0f} MB. Split it into chapters and upload them one by one.",
        )
    form = await request.form(max_files=1, max_fields=4)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise ApiError(
            400,
            "bad_request",
            'send the reading as the multipart field `file`, or JSON {"url": …}.',
        )
    data = await upload.read()
    await form.close()
    return upload.filename, data


async def _url(request) -> str:
    body = await request.body()
    if len(body) > 16_000:
        raise ApiError(
            413, "too_large", 'the JSON body is over 16,000 bytes; send {"url": "https://…"}.'
        )
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ApiError(
            400, "bad_request", f'the body is not valid JSON ({exc}); send {{"url": "https://…"}}.'
        ) from None
    url = data.get("url") if isinstance(data, dict) else None
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        raise ApiError(
            400,
            "bad_request",
            '`url` must be an http(s) address, e.g. {"url": "https://example.edu/reading.html"}.',
        )
    return url.strip()


def add_instructor_api(app, manager, feedback_log: Path | None) -> None:
    """Add the API routes (behind `InstructorGuard`) to a FastAPI app.

    Args:
        app: the app.
        manager: the app's corpus `CorpusManager`, or None when the index has no corpus folder.
        feedback_log: the feedback log's path, or None when the app keeps none.
    """
    routes = _Routes(manager, feedback_log)
    app.router.add_route(
        READINGS_PATH, routes.readings, methods=["GET", "POST"], name="instructor_readings"
    )
    app.router.add_route(
        READINGS_PATH + "/{doc}", routes.reading, methods=["DELETE"], name="instructor_reading"
    )
    app.router.add_route(
        FEEDBACK_PATH, routes.feedback, methods=["GET"], name="instructor_feedback"
    )


class _Routes:
    """The endpoints, sharing the corpus manager and the feedback log's path."""

    def __init__(self, manager, feedback_log: Path | None):
        self.manager = manager
        self.feedback_log = feedback_log

    def _need_manager(self):
        if self.manager is None:
            raise ApiError(
                409,
                "no_corpus",
                "this index was built without a corpus folder the app can write to; "
                "start the app with --corpus DIR.",
            )
        return self.manager

    async def readings(self, request):
        """GET: the readings list; POST: add an uploaded file or a URL."""
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import JSONResponse

        try:
            mgr = self._need_manager()
            if request.method == "GET":
                listed = await run_in_threadpool(mgr.readings)
                return JSONResponse(
                    {"readings": [r.to_json() for r in listed], "updating": mgr.updating},
                    headers=_NO_STORE,
                )
            change = await self._add(mgr, request)
            return JSONResponse(
                change.to_json(), status_code=201 if change.added else 200, headers=_NO_STORE
            )
        except ApiError as exc:
            return _error(exc)

    async def _add(self, mgr, request):
        """The `Change` of adding what a POST sent: a multipart file or JSON {"url": …}."""
        from starlette.concurrency import run_in_threadpool

        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if media == "multipart/form-data":
                name, data = await _upload(request)
                return await run_in_threadpool(mgr.add_upload, name, data)
            if media == "application/json":
                return await run_in_threadpool(mgr.add, await _url(request))
            raise ApiError(
                415,
                "unsupported_media_type",
                "send multipart/form-data with the field `file`, "
                'or application/json with {"url": …}.',
            )
        except QAError as exc:
            raise _reading_error(exc) from None

    async def reading(self, request):
        """DELETE: remove a reading by its id."""
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import JSONResponse

        try:
            mgr = self._need_manager()
            try:
                change = await run_in_threadpool(mgr.remove, request.path_params["doc"])
            except ReadingError as exc:
                status = 404 if "no reading with that id" in str(exc) else 400
                raise ApiError(
                    status, "not_found" if status == 404 else "bad_request", str(exc)
                ) from None
            except QAError as exc:
                raise _reading_error(exc) from None
            return JSONResponse(change.to_json(), headers=_NO_STORE)
        except ApiError as exc:
            return _error(exc)

    async def feedback(self, request):
        """GET: the feedback report of the log (empty while the log does not exist yet)."""
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import JSONResponse

        if self.feedback_log is None:
            return _error(
                ApiError(
                    404,
                    "no_feedback_log",
                    "the app keeps no feedback log (started with --feedback-log '').",
                )
            )
        log = Path(self.feedback_log)
        records, bad = await run_in_threadpool(read_records, log) if log.is_file() else ([], 0)
        return JSONResponse(
            feedback_report(records, skipped_lines=bad).to_json(), headers=_NO_STORE
        )
