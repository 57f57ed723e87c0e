"""What the tool prints of a file, a name or a configuration: never a byte a terminal or a log acts on.

Every output but JSON and SARIF (json.dumps escapes control characters itself) shows text that
came from outside through one of these two functions:

- `printable(text)` for text shown as lines (SQL, a diff, a schema): line breaks and tabs stay,
  every other control character (ESC and the sequences it starts, a CR that is not part of a
  CRLF, C1 controls such as CSI, bidi overrides and Unicode line separators) is shown as an escape;
- `one_line(text)` for a value put into a line of output (a path, a name, a message, a reason,
  a configuration key): line breaks and tabs are escaped too, so a file named `x\n1:1: SM000` can
  never start a line, a finding or an annotation of its own.
"""

from __future__ import annotations

import re

from safemig_lint.patterns import lazy

# C0 controls but \t and \n, a CR not followed by \n, DEL, C1, line and paragraph separators, bidi controls.
_CONTROL = lazy(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\r(?!\n)")
_CONTROL_IN_LINE = lazy(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group()[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control character but line breaks (\\n, \\r\\n) and tabs shown as an escape: `\\x1b`."""
    return _CONTROL.sub(_escape, text)


def one_line(text: str) -> str:
    """`text` with every control character, line breaks and tabs included, shown as an escape."""
    return _CONTROL_IN_LINE.sub(_escape, text)
