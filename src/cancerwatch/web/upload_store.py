"""Where uploaded files go while they are read: a private folder per upload, written as the body
streams in, with a hard cap on its size, and removed afterwards (or at the next start-up, if the
server was killed mid-upload).

The body is parsed as it arrives (``python-multipart``'s streaming parser): nothing is buffered
in memory or spooled elsewhere, and the upload stops at the first byte over the cap.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from fastapi import Request
from python_multipart.multipart import MultipartParseError, MultipartParser, parse_options_header

from cancerwatch.api.errors import ApiError

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

PREFIX = "cancerwatch-upload-"
MAX_FILES = 20  # one upload is a month's extracts and lookups, not an archive
MAX_FIELD_BYTES = 4096  # the only form field is the CSRF token


def new_workdir() -> Path:
    """A private folder for one upload; its name carries the server's process id (see :func:`remove_stale`)."""
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))


def remove_stale(root: Path | None = None) -> list[Path]:
    """Remove upload folders left by server processes that no longer run (killed mid-upload)."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    for folder in root.glob(f"{PREFIX}*"):
        match = re.match(rf"{PREFIX}(\d+)-", folder.name)
        if not folder.is_dir() or match is None:
            continue
        if _running(int(match.group(1))):
            continue  # a live server's upload (this process's own are removed when they finish)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def safe_name(name: str | None, index: int) -> str:
    """The base name of an uploaded file with anything but letters, digits and ``._ -`` replaced."""
    base = Path(name or "").name
    base = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" .")
    return base[:120] or f"upload-{index}"


def check_declared_size(request: Request, max_bytes: int) -> None:
    """Refuse a body whose declared length (``Content-Length``) is over the cap, before reading it."""
    declared = request.headers.get("content-length")
    if declared is None:
        return  # chunked: the streaming cap applies
    if not declared.isdigit():
        raise ApiError(400, "bad_request", "Content-Length is not a number")
    if int(declared) > max_bytes:
        raise ApiError(413, "too_large", _too_large(max_bytes))


def _too_large(max_bytes: int) -> str:
    return f"uploads are limited to {max_bytes // 2**20:,} MB (set CANCERWATCH_MAX_UPLOAD_BYTES to change it)"


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    name: str = ""
    filename: str | None = None
    out: BinaryIO | None = None
    value: bytearray = field(default_factory=bytearray)


class _Receiver:
    """The callbacks of the streaming parser: files to disk, small fields kept."""

    def __init__(self, workdir: Path, before_first_file: Callable[[dict[str, str]], None]) -> None:
        self.workdir = workdir
        self.before_first_file = before_first_file
        self.fields: dict[str, str] = {}
        self.paths: list[Path] = []
        self.part = _Part()
        self._field = bytearray()
        self._value = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        """The parser's callbacks, bound to this receiver."""
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self.part = _Part()

    def header_end(self) -> None:
        self.part.headers[self._field.decode("latin-1").lower()] = self._value.decode("utf-8", "replace")
        self._field.clear()
        self._value.clear()

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get("content-disposition", ""))
        self.part.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if not filename:  # not a file, or a file field left empty (browsers send filename="")
            self.part.name = self.part.name if filename is None else ""
            return
        self.part.filename = filename.decode("utf-8", "replace")
        if not self.paths:
            self.before_first_file(self.fields)
        if len(self.paths) >= MAX_FILES:
            raise ApiError(400, "too_many_files", f"one upload holds at most {MAX_FILES} files")
        index = len(self.paths)
        path = self.workdir / f"{index:02d}" / safe_name(self.part.filename, index)
        path.parent.mkdir()
        self.part.out = path.open("wb")
        self.paths.append(path)

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part.out is not None:
            self.part.out.write(data[start:end])
            return
        self.part.value.extend(data[start:end])
        if len(self.part.value) > MAX_FIELD_BYTES:
            raise ApiError(400, "bad_request", f"form field {self.part.name[:40]!r} is too long")

    def part_end(self) -> None:
        if self.part.out is not None:
            self.part.out.close()
        elif self.part.name:
            self.fields[self.part.name] = self.part.value.decode("utf-8", "replace")

    def close(self) -> None:
        if self.part.out is not None and not self.part.out.closed:
            self.part.out.close()


async def receive_files(
    request: Request,
    workdir: Path,
    *,
    max_bytes: int,
    before_first_file: Callable[[dict[str, str]], None],
) -> tuple[list[Path], dict[str, str]]:
    """Stream a ``multipart/form-data`` body into ``workdir``: the files written, and the other fields.

    ``before_first_file(fields)`` runs when the first file begins (the fields sent before it, such as
    the CSRF token, are known by then) and may refuse the upload before any file is written.
    413 at the first byte past ``max_bytes``.
    """
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise ApiError(400, "bad_request", "send the files as multipart/form-data (a form with a file field)")
    receiver = _Receiver(workdir, before_first_file)
    parser = MultipartParser(boundary, receiver.callbacks())
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_bytes:
                raise ApiError(413, "too_large", _too_large(max_bytes))
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError:
        raise ApiError(400, "bad_request", "the upload is not a well-formed multipart/form-data body") from None
    finally:
        with contextlib.suppress(OSError):
            receiver.close()
    if not receiver.paths:
        raise ApiError(400, "no_files", "choose at least one file to upload")
    return receiver.paths, receiver.fields
