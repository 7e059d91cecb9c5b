"""How much a PDF's compressed streams expand to, counted before any parser opens the file.

A PDF of one megabyte can hold a Flate stream that expands to gigabytes (a "decompression bomb");
a parser that inflates it and reads the text operators inside takes minutes and gigabytes before it
fails. Here every stream that inflates as zlib (also a Flate stream inside a Flate stream) is
inflated in bounded pieces and only counted, never kept; counting stops as soon as the total passes
the limit (SETTINGS.pdf_inflated_max_mb). The reports of the corpus expand to at most 6 MB.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Iterable, Iterator

_STREAM = re.compile(rb"stream\r?\n")
_IN = 1 << 16  # input fed 64 KB at a time (zlib copies what it has not consumed)
_OUT = 1 << 22  # output taken 4 MB at a time
_MAX_NESTING = 3


def _zlib_header(b: bytes) -> bool:
    return len(b) >= 2 and b[0] & 0x0F == 8 and (b[0] << 8 | b[1]) % 31 == 0


def _inflate(chunks: Iterable) -> Iterator[bytes]:
    """The output of one zlib stream fed by `chunks`, in pieces of at most _OUT bytes; it ends at
    the stream's end or at the first byte that is not zlib."""
    d = zlib.decompressobj()
    try:
        for chunk in chunks:
            buf = chunk
            while buf:
                out = d.decompress(buf, _OUT)
                buf = d.unconsumed_tail
                if out:
                    yield out
                if d.eof:
                    return
    except zlib.error:
        return


def _count(chunks: Iterable, budget: int, depth: int = 1) -> int:
    pieces = _inflate(chunks)
    first = next(pieces, b"")
    total = 0
    if depth < _MAX_NESTING and _zlib_header(first):  # a Flate stream inside a Flate stream
        total = _count(itertools.chain([first], pieces), budget, depth + 1)
        if total:
            return total
    total = len(first)
    for out in pieces:
        total += len(out)
        if total > budget:
            break
    return total


def inflated_size(data: bytes, limit: int) -> int:
    """What the file's zlib (Flate) streams expand to in all, counted up to just past `limit` bytes."""
    view = memoryview(data)
    total = 0
    for m in _STREAM.finditer(data):
        start = m.end()
        chunks = (view[i : i + _IN] for i in range(start, len(view), _IN))
        total += _count(chunks, limit - total)
        if total > limit:
            break
    return total
