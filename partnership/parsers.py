"""The API's JSON parser: DRF's, refusing bodies nested deeper than anything the API takes.

Python's decoder recurses once per level, so ``[[[[…]]]]`` two kilobytes deep raised
``RecursionError`` (a 500) before DRF could answer; shallower but still deep bodies then cost
every serializer, audit record and JSON column that walks them. The depth is counted before
decoding, in one pass that skips strings, and a body past ``MAX_DEPTH`` is a 400 that says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from io import BytesIO
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# The deepest body the API takes is an object holding a list of objects (three levels); the
# margin leaves room for clients that wrap what they send.
MAX_DEPTH = 32
_TOKENS = re.compile(rb'"(?:\\.|[^"\\])*"|[\[\]{}]')


def json_depth(data: bytes) -> int:
    """How deeply arrays and objects nest in ``data`` (JSON text; strings do not count)."""
    depth = deepest = 0
    for match in _TOKENS.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        data = stream.read() if stream is not None else b""
        if json_depth(data) > MAX_DEPTH:
            raise ParseError(
                f"The JSON body is nested too deeply: at most {MAX_DEPTH} levels of lists and "
                "objects."
            )
        try:
            return super().parse(BytesIO(data), media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("The JSON body is nested too deeply.") from exc
