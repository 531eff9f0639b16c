"""What a PDF attachment holds: page count, pages without a text layer (scans), encryption, readability, text.

PDF is a hostile format: decompression bombs, cyclic or absurdly deep object graphs and content streams that
take minutes to interpret all fit in a few kilobytes. `inspect_pdf` is therefore total and bounded:

* **Time.** The analysis runs in a worker process that is killed when `max_seconds` is up; a single
  pathological page cannot be interrupted inside pypdf from the same process (a 2 KB file can keep it busy for
  minutes), hence the separate process. Workers come from multiprocessing's *forkserver* (safe to start from
  a threaded server, pypdf preloaded) and are kept in a small pool, so a normal inspection costs about the
  same as in-process (~2 ms of overhead); starting a worker — first call, or after a kill — takes a few
  hundred milliseconds, not counted against the document. Inside, pages are also checked against a soft
  deadline so a slow but finite document reports `unreadable` cleanly and the worker survives.
* **Memory.** A worker caps its own address space (`RLIMIT_AS`, `_MEMORY_HEADROOM` above its size at
  start); pypdf's own limits are tightened (`_PYPDF_LIMITS`: at most 16 MiB out of any filter, bounded
  parsing work per content stream, bounded page tree and form-XObject recursion). Hitting any limit, a
  `MemoryError`, a crash or the kill all end as `PdfInfo(unreadable=True)`.
* **Privacy.** pypdf's loggers are silenced and its warnings ignored: what it emits can quote the document.

Where a child process cannot be started (a daemonic worker, a platform without it) the same analysis runs
in-process, bounded by pypdf's limits and the per-page deadline only.

A page counts as "without text" when its extracted text is blank, or when all it paints is images with no
visible text (text drawn in render mode 3/7 — an OCR layer over a scan — does not count as visible).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import math
import multiprocessing
import os
import threading
import time
import warnings
from collections.abc import Iterator
from functools import cache
from multiprocessing.connection import Connection
from typing import Any

import pypdf
from pypdf import PasswordType, PdfReader

from gateway.models import PdfInfo

TEXT_CAP = 20_000
"""At most this many characters of extracted text are kept in `PdfInfo.text`."""

_EOF_WINDOW = 1024  # Acrobat requires %%EOF within the last 1024 bytes; a file without it was cut short.
_MEMORY_HEADROOM = 768 * 1024 * 1024
_SOFT_DEADLINE_SHARE = 0.8
_INVISIBLE_RENDER_MODES = frozenset({3, 7})
_TEXT_OPERATORS = frozenset({b"Tj", b"TJ", b"'", b'"'})
_IMAGE_OPERATORS = frozenset({b"Do", b"INLINE IMAGE", b"BI"})
_MAX_GRAPHICS_STACK = 1024

_MIB = 1024 * 1024
_PYPDF_LIMITS: dict[str, int] = {
    "maximum_declared_stream_length": 32 * _MIB,
    "array_based_stream_maximum_output_length": 16 * _MIB,
    "array_maximum_element_count": 50_000,
    "dictionary_maximum_element_count": 50_000,
    "jbig2_maximum_output_length": 16 * _MIB,
    "lzw_maximum_output_length": 16 * _MIB,
    "run_length_maximum_output_length": 16 * _MIB,
    "zlib_maximum_output_length": 16 * _MIB,
    "zlib_maximum_recovery_input_length": 4 * _MIB,
    "brotli_maximum_output_length": 16 * _MIB,
    "image_maximum_buffer_size": 16 * _MIB,
    "stream_decoding_work_maximum_length": 64 * _MIB,
    "stream_parsing_work_maximum_count": 200_000,
    "xmp_maximum_input_length": 1 * _MIB,
    "page_tree_maximum_entries": 20_000,
    "page_tree_maximum_depth": 50,
    "page_tree_maximum_page_entries": 200_000,
    "xform_maximum_invocations_per_extraction": 500,
}
# pypdf < 7 has no Configuration object, only module constants in pypdf.filters.
_LEGACY_PYPDF_LIMITS: dict[str, int] = {
    "MAX_DECLARED_STREAM_LENGTH": 32 * _MIB,
    "MAX_ARRAY_BASED_STREAM_OUTPUT_LENGTH": 16 * _MIB,
    "JBIG2_MAX_OUTPUT_LENGTH": 16 * _MIB,
    "LZW_MAX_OUTPUT_LENGTH": 16 * _MIB,
    "RUN_LENGTH_MAX_OUTPUT_LENGTH": 16 * _MIB,
    "ZLIB_MAX_OUTPUT_LENGTH": 16 * _MIB,
    "ZLIB_MAX_RECOVERY_INPUT_LENGTH": 4 * _MIB,
}

# Nothing pypdf says about a document may reach the gateway's logs.
logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)

_Result = tuple[int, int, bool, bool, str]


def inspect_pdf(data: bytes, *, max_pages: int, max_seconds: float) -> PdfInfo:
    """Inspect a PDF within `max_seconds` of wall time. Never raises; trouble of any kind is `unreadable`."""
    if not _has_eof_marker(data):
        return PdfInfo(unreadable=True)
    max_pages, max_seconds = max(1, max_pages), max(0.0, max_seconds)
    info = _inspect_in_child(bytes(data), max_pages, max_seconds)
    if info is None:  # no child process possible here: bounded by pypdf's limits and page deadline only
        info = analyse_pdf(data, max_pages=max_pages, deadline=time.monotonic() + max_seconds)
    return info


def analyse_pdf(data: bytes, *, max_pages: int, deadline: float) -> PdfInfo:
    """The analysis itself, in this process (`deadline` is a `time.monotonic()` value). Never raises."""
    with _quiet(), _tight_limits():
        try:
            return _read(data, max_pages, deadline)
        except Exception:  # pypdf errors, LimitReachedError, RecursionError, MemoryError…
            return PdfInfo(unreadable=True)


def _has_eof_marker(data: bytes) -> bool:
    """Was the file cut short? Trailing whitespace or NUL padding (some scanners add it) is forgiven."""
    tail = data[-64 * 1024 :].rstrip(b"\x00\t\n\r\f ")
    return b"%%EOF" in tail[-_EOF_WINDOW:]


def _read(data: bytes, max_pages: int, deadline: float) -> PdfInfo:
    reader = PdfReader(io.BytesIO(data), strict=False)
    encrypted = bool(reader.is_encrypted)
    if encrypted and not _opens_without_password(reader):
        return PdfInfo(encrypted=True, unreadable=True)
    pages = len(reader.pages)
    info = PdfInfo(pages=pages, encrypted=encrypted, unreadable=pages == 0)
    texts: list[str] = []
    kept = 0
    for index in range(min(pages, max_pages)):
        if time.monotonic() > deadline:
            info.unreadable = True
            break
        text, image_only = _page_text(reader.pages[index])
        if image_only or not text.strip():
            info.pages_without_text += 1
        if kept < TEXT_CAP:
            texts.append(text[: TEXT_CAP - kept])
            kept += len(texts[-1])
    info.text = "\n".join(texts)[:TEXT_CAP]
    return info


def _opens_without_password(reader: PdfReader) -> bool:
    """An owner-password-only PDF opens with the empty user password; a user password makes it unreadable."""
    try:
        result: PasswordType = reader.decrypt("")
        return result != PasswordType.NOT_DECRYPTED
    except Exception:  # unsupported algorithm, missing crypto backend, broken /Encrypt dictionary
        return False


class _PageInk:
    """Watches a page's operators: does it show any visible text, does it paint any image?"""

    def __init__(self) -> None:
        self.render_modes = [0]
        self.visible_text = False
        self.painted_image = False

    def before(self, operator: bytes, operands: list[Any], cm: Any, tm: Any) -> None:
        if operator == b"q" and len(self.render_modes) < _MAX_GRAPHICS_STACK:
            self.render_modes.append(self.render_modes[-1])
        elif operator == b"Q" and len(self.render_modes) > 1:
            self.render_modes.pop()
        elif operator == b"Tr" and operands:
            self.render_modes[-1] = _as_int(operands[0])
        elif operator in _TEXT_OPERATORS:
            if self.render_modes[-1] not in _INVISIBLE_RENDER_MODES and _shows_something(operands):
                self.visible_text = True
        elif operator in _IMAGE_OPERATORS:
            self.painted_image = True


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 0


def _shows_something(operands: list[Any]) -> bool:
    for operand in operands:
        items = operand if isinstance(operand, list) else [operand]
        if any(isinstance(item, (str, bytes)) and len(item) > 0 for item in items):
            return True
    return False


def _page_text(page: pypdf.PageObject) -> tuple[str, bool]:
    """The page's text, and whether the page only paints images (a scan, perhaps with an OCR layer)."""
    ink = _PageInk()
    text = page.extract_text(visitor_operand_before=ink.before)
    return text, ink.painted_image and not ink.visible_text


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _tight_limits() -> contextlib.AbstractContextManager[Any]:
    apply = getattr(pypdf, "apply_configuration", None)
    configuration = getattr(pypdf, "Configuration", None)
    if apply is None or configuration is None:
        filters = pypdf.filters
        for name, value in _LEGACY_PYPDF_LIMITS.items():
            if hasattr(filters, name):
                setattr(filters, name, value)
        return contextlib.nullcontext()
    known = {f.name for f in dataclasses.fields(configuration)}
    cm: contextlib.AbstractContextManager[Any] = apply(**{k: v for k, v in _PYPDF_LIMITS.items() if k in known})
    return cm


# --- the worker processes -------------------------------------------------------------------------------

_READY = "ready"
_START_SECONDS = 30.0
_RETRY_START_SECONDS = 60.0  # after a worker failed to start, analyse in-process for this long
_failed_start = -math.inf
_POOL_SIZE = 4  # idle workers kept for reuse; more are started on demand when inspections overlap
_JOBS_PER_WORKER = 200  # recycle a worker now and then, so nothing a document left behind lingers
_pool: list[_Worker] = []
_pool_lock = threading.Lock()


def _forget_pool_after_fork() -> None:
    """A forked copy of this process does not own the workers (nor a lock another thread may have held)."""
    global _pool_lock
    _pool_lock = threading.Lock()
    _pool.clear()


os.register_at_fork(after_in_child=_forget_pool_after_fork)


@cache
def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])  # pypdf is imported once, in the fork server
        return context
    return multiprocessing.get_context("spawn")


class _Worker:
    """A child process that analyses PDFs sent over a pipe; killed, never reused, when a job overruns."""

    def __init__(self) -> None:
        context = _context()
        self.connection, child_end = context.Pipe(duplex=True)
        self.process: Any = context.Process(  # type: ignore[attr-defined]
            target=_worker_main, args=(child_end,), name="ordofax-pdfinspect", daemon=True
        )
        try:
            self.process.start()
        finally:
            child_end.close()
        self.jobs = 0
        if not self._ready():
            self.stop()
            raise ChildProcessError("PDF worker did not start")

    def _ready(self) -> bool:
        """Wait for the worker's greeting: a worker that cannot start must not turn every PDF unreadable."""
        try:
            return bool(self.connection.poll(_START_SECONDS) and self.connection.recv() == _READY)
        except Exception:
            return False

    def run(self, data: bytes, max_pages: int, deadline: float) -> PdfInfo | None:
        """The worker's answer, or None if it did not answer by `deadline` (the worker is then dead)."""
        self.jobs += 1
        soft_seconds = max(0.0, deadline - time.monotonic()) * _SOFT_DEADLINE_SHARE
        try:
            self.connection.send((data, max_pages, soft_seconds))
            if self.connection.poll(max(0.0, deadline - time.monotonic())):
                pages, without_text, encrypted, unreadable, text = self.connection.recv()
                return PdfInfo(int(pages), int(without_text), bool(encrypted), bool(unreadable), str(text))
        except Exception:  # the worker died (memory limit, crash) or sent nonsense
            pass
        self.stop()
        return None

    @property
    def reusable(self) -> bool:
        return self.jobs < _JOBS_PER_WORKER and self.process.is_alive()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.connection.close()
        with contextlib.suppress(Exception):
            if self.process.is_alive():
                self.process.kill()
            self.process.join(timeout=1.0)
            self.process.close()


def _inspect_in_child(data: bytes, max_pages: int, seconds: float) -> PdfInfo | None:
    """Run `analyse_pdf` in a worker killed after `seconds`; None when no worker process can be started.

    The clock starts once a worker is ready: starting one (the first time, or after a kill) takes a few
    hundred milliseconds that no document can influence, and must not count against it.
    """
    worker = _take_worker()
    if worker is None:
        return None
    info = worker.run(data, max_pages, time.monotonic() + seconds)
    if info is None:
        return PdfInfo(unreadable=True)
    _give_back(worker)
    return info


def _take_worker() -> _Worker | None:
    global _failed_start
    with _pool_lock:
        while _pool:
            worker = _pool.pop()
            if worker.process.is_alive():
                return worker
            worker.stop()
        if time.monotonic() - _failed_start < _RETRY_START_SECONDS:
            return None
    try:
        return _Worker()
    except Exception:  # daemonic parent, no semaphores, fork refused, worker crashed on start…
        _failed_start = time.monotonic()
        return None


def _give_back(worker: _Worker) -> None:
    with _pool_lock:
        if worker.reusable and len(_pool) < _POOL_SIZE:
            _pool.append(worker)
            return
    worker.stop()


def _worker_main(connection: Connection) -> None:
    """Serve jobs until the parent goes away. Runs in the child."""
    _limit_own_memory()
    connection.send(_READY)
    while True:
        try:
            data, max_pages, seconds = connection.recv()
        except (EOFError, OSError):
            return
        info = analyse_pdf(data, max_pages=max_pages, deadline=time.monotonic() + seconds)
        result: _Result = (info.pages, info.pages_without_text, info.encrypted, info.unreadable, info.text)
        try:
            connection.send(result)
        except (OSError, ValueError):
            return


def _limit_own_memory() -> None:
    size = _address_space()
    try:
        import resource
    except ImportError:  # not on this platform: the parent's kill still bounds time
        return
    with contextlib.suppress(OSError, ValueError):
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + _MEMORY_HEADROOM
        soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        if size:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space() -> int:
    """This process's virtual size in bytes (Linux), or 0 when unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


__all__ = ["TEXT_CAP", "analyse_pdf", "inspect_pdf"]
