"""A file's memory stays within a small multiple of its size, whatever it holds.

Tokens cost about 170 bytes each: a file of 5 MB of `;` or `(` used to hold 5 million of them at
once (1.3-1.8 GB). Files are now tokenized a piece at a time, and a statement that will not be
parsed (too deep, too long) keeps only its first brackets. The tests measure the peak of Python's
allocations (tracemalloc) while parsing, on inputs scaled down with the limits: the same mechanism
at a size a test can afford. Before, every case here peaked at about 200 bytes per character.
"""

from __future__ import annotations

import tracemalloc

import pytest
from sqlglot.errors import TokenError

from safemig_lint.reading import statements
from safemig_lint.reading.statements import parse_file

SIZE = 30_000

HOSTILE = {
    "nothing but semicolons": ";" * SIZE,
    "SELECT and unclosed brackets": "SELECT " + "(" * SIZE,
    "balanced brackets, nested": "(" * (SIZE // 2) + ")" * (SIZE // 2),
    "balanced brackets, side by side": "()" * (SIZE // 2),
    "semicolons in a line comment": "SELECT 1; -- " + ";" * SIZE,
    "semicolons among blanks": (" " * 7 + ";") * (SIZE // 8),
}


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(statements, "PIECE", 512, raising=False)
    monkeypatch.setattr(statements, "MAX_TOKENS", 1_000, raising=False)
    monkeypatch.setattr(statements, "KEPT_BRACKETS", 200, raising=False)


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_parsing_holds_a_bounded_number_of_tokens(small_limits, text):
    parse_file("SELECT 1;", "postgres")  # first-use caches out of the measure
    tracemalloc.start()
    try:
        parse_file(text, "postgres")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak / len(text) < 40, f"{peak / len(text):.0f} bytes per character"


def test_a_statement_too_long_to_parse_is_reported_not_analysed(small_limits):
    parsed = parse_file("SELECT 1;\nINSERT INTO t VALUES " + ", ".join(["(1)"] * 500) + ";\nDROP TABLE t;", "postgres")
    first, long, last = parsed.statements
    assert first.expression is not None and last.expression is not None
    # PostgreSQL's grammar accepts it: not an error, but not analysed either.
    assert long.expression is None and long.error is None
    assert "longer than 1,000 tokens: this statement is not analysed" in long.unanalysed
    assert long.text.endswith("(1)") and long.end == parsed.text.index(";\nDROP")
    assert sum(t.text in "()" for t in long.tokens) == 200  # the first brackets kept, the rest dropped
    assert long.tokens[0].text == "INSERT" and sum(t.text == "1" for t in long.tokens) == 500


TRICKY = [
    "SELECT 'a;\nb'; SELECT 1; /* x; */ SELECT 2;\n-- c;\nSELECT $$ a; b $$; SELECT 3",
    "SELECT 1;;;\n  ;  SELECT 'unterminated; ; ;",
    "CREATE PROCEDURE p() BEGIN SELECT 1; IF x THEN SELECT 2; END IF; CASE WHEN 1 THEN SELECT 1; END CASE; END; SELECT 4",
    "SELECT ((1))(2);\n SELECT f((a)) -- c\n(b) /* d */ ((\n)); EXECUTE ((x)); SELECT ('a((b')",
    "CREATE TRIGGER t AFTER UPDATE ON x FOR EACH ROW WHEN (OLD.a IS NULL)\nEXECUTE PROCEDURE f();\r\nSELECT 1; -- trailing;\r\n",
]


def _shape(parsed):
    return (
        [
            (s.start, s.end, s.error, s.expression, [(t.token_type, t.text, t.start, t.end, t.line, t.col, t.comments) for t in s.tokens])
            for s in parsed.statements
        ],
        parsed.comments,
    )


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
@pytest.mark.parametrize("piece", [1, 3, 7])
def test_pieces_give_the_tokens_of_the_whole_text(monkeypatch, dialect, piece):
    """Cut anywhere a piece may end (inside literals, comments, routine bodies, command tails),
    the tokens, their positions and comments, the statements and the comments are the same."""
    for text in TRICKY:
        monkeypatch.setattr(statements, "PIECE", 1 << 30)
        whole = _shape(parse_file(text, dialect))
        monkeypatch.setattr(statements, "PIECE", piece)
        assert _shape(parse_file(text, dialect)) == whole


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_pieces_are_tokenized_as_sqlglot_tokenizes_the_whole_text(monkeypatch, dialect):
    """_tokens_of starts sqlglot's scanner inside the text: a text's pieces, cut anywhere a piece may end, hold the
    tokens sqlglot's own tokenize() reads from the whole text, with the same offsets, lines, columns and comments."""
    tokenizer = statements._readers(dialect)[0]
    compared = 0
    for text in [*TRICKY, "SELECT 1;\r\nSELECT\r\n2;\n\n  SELECT 'a\nb' -- c\n;\n(SELECT 3);"]:
        try:
            whole = [(t.token_type, t.text, t.start, t.end, t.line, t.col, t.comments) for t in tokenizer.tokenize(text)]
        except TokenError:
            continue  # an unterminated literal: its pieces stop where it starts
        for piece in (1, 3, 7, 1 << 30):
            monkeypatch.setattr(statements, "PIECE", piece)
            pieces = [t for tokens, *_ in statements._token_pieces(tokenizer, text) for t in tokens]
            assert [(t.token_type, t.text, t.start, t.end, t.line, t.col, t.comments) for t in pieces] == whole, (text, piece)
            compared += len(pieces)
    assert compared > 400


def test_a_file_holding_a_secret_is_not_held_twice_while_it_is_read_again_masked():
    """Its first reading (which found the secret) is freed before the masked text is parsed."""
    from safemig_lint.config import Config
    from safemig_lint.engine import parse_bytes

    body = "".join(f"CREATE TABLE t{n} (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x');\n" for n in range(300))
    secret = "CREATE ROLE app LOGIN PASSWORD 'hunter2secret';\n"

    def peak(text: str) -> int:
        parse_bytes(secret.encode(), Config())  # first-use caches out of the measure
        tracemalloc.start()
        try:
            assert parse_bytes(text.encode(), Config()).statements
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    plain, masked = peak(body + "SELECT 1;\n"), peak(body + secret)
    assert masked < 1.3 * plain, f"{masked / plain:.2f} times the peak of the same file without a secret"
