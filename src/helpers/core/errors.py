"""Why a report could not be read, as a stable code.

The `reports.error` column says it for a person (and names the file); `reports.error_code` says it
for a program: filter, count and test on the code, whose values never change wording. A new reason
gets a new member here (and a line in the README's table); an old one is never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    # The file itself
    NO_SUCH_FILE = "no_such_file"  # missing, or a symbolic link to nothing
    CANNOT_OPEN = "cannot_open"  # permission denied, a symbolic link loop
    NOT_REGULAR_FILE = "not_regular_file"  # a folder (without page images), a pipe, a device
    EMPTY_FILE = "empty_file"  # 0 bytes, or a container with nothing in it
    TOO_LARGE = "too_large"  # beyond a size limit (a web page, a part of a .docx, a PDF's streams)
    CHANGED_WHILE_READ = "changed_while_read"  # replaced while it was being read
    # Its format
    UNSUPPORTED_FORMAT = "unsupported_format"  # old .doc/.wps, RTF, Word XML, other zip/OLE2/binary files
    ENCRYPTED = "encrypted"  # password-protected PDF or Office file
    CORRUPT = "corrupt"  # truncated or damaged: the format's library cannot read it
    BAD_ENCODING = "bad_encoding"  # text neither UTF-8, UTF-16 nor GBK/GB18030 (or Big5)
    LINE_TOO_LONG = "line_too_long"  # a text line far longer than any report's: line breaks lost
    NO_TEXT_LAYER = "no_text_layer"  # a PDF without a usable text layer that OCR could not read either
    # Its content
    NOT_A_REPORT = "not_a_report"  # no 决算 table or wording, or too little of it
    BUDGET_REPORT = "budget_report"  # a 预算 (budget) report, not a 决算 (final accounts)
    SEVERAL_REPORTS = "several_reports"  # the standard tables printed again: more than one report in a file
    TABLES_NOT_READ = "tables_not_read"  # status `partial`: some standard tables were not read (`failed`: none)
    # The run
    TIMEOUT = "timeout"  # took longer than settings.file_timeout_s; its worker was stopped
    MEMORY_LIMIT = "memory_limit"  # passed settings.file_memory_mb; its worker was stopped
    WORKER_DIED = "worker_died"  # the worker process was killed or crashed
    INTERNAL_ERROR = "internal_error"  # a bug in this package: please report it with the file


@dataclass(frozen=True)
class Failure:
    """A task that gave no result in a worker (workers.run_isolated): why, as a code and in words."""

    code: ErrorCode
    message: str

    def __str__(self) -> str:
        return self.message
