"""Failed writes as one line: a full disk, a file-size limit (``ulimit -f``), a read-only filesystem.

DuckDB reports these as an ``IOException`` or as a failed commit (``TransactionException``) whose
text ends with the operating system's reason; a load then rolls back, so nothing was written.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from cancerwatch.errors import StorageError

STORAGE_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.EIO)
_REASONS = tuple(os.strerror(n) for n in STORAGE_ERRNOS)


def storage_reason(exc: BaseException) -> str | None:
    """The operating system's reason when ``exc`` (or what it was raised while handling) is a failed write."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in STORAGE_ERRNOS:
            return current.strerror or os.strerror(current.errno or 0)
        text = str(current)
        for reason in _REASONS:
            if reason in text:
                return reason
        current = current.__cause__ or current.__context__
    return None


def storage_error(exc: BaseException, target: Path | str) -> StorageError | None:
    """A one-line :class:`StorageError` naming ``target`` for a failed write, else ``None``."""
    reason = storage_reason(exc)
    if reason is None:
        return None
    return StorageError(f"{Path(target).name}: cannot write the warehouse: {reason}; nothing was loaded")
