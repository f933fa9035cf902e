"""Writing files so that a crash, Ctrl-C or a parallel reader never sees half of one.

Every file the pipeline writes (traces, speech, mixes, captions, timelines, manifests, videos) goes through
`atomic_path`: the data is written to a temporary name in the same folder and renamed over the target only
once complete, so the previous good file stays until the new one is whole.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path, suffix: str = ""):
    """Yield a temporary path beside `path`; on success it replaces `path`, on failure it is removed.

    `suffix` keeps the extension for writers that pick a format from it (e.g. ".wav", ".mp4").
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".part{suffix}", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        _shareable(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def _shareable(tmp) -> None:
    """mkstemp makes owner-only files; what we write is for sharing, so give it the usual mode."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
