"""How caption metrics see a sentence: lower case, punctuation stripped, whitespace tokens.

The reference evaluation (``pycocoevalcap``, datasets.md §3.2) tokenises with the Stanford PTB
tokenizer, a Java program, and then drops punctuation tokens. zoo stays pure Python and applies
the same rule to predictions and references alike:

1. lower-case;
2. delete apostrophes and hyphens (``"don't" -> "dont"``, ``"t-shirt" -> "tshirt"``);
3. replace every other punctuation character by a space (``"left,right" -> "left right"``);
4. split on whitespace.

Differences from PTB + punctuation removal: PTB splits clitics into their own tokens
(``"don't" -> "do n't"``, ``"man's" -> "man 's"``) and keeps hyphenated words whole
(``"t-shirt"``); here each of those becomes one joined token. On captions without clitics or
hyphens (MSR-VTT's are mostly lower-case words; the synthetic world's are) the two agree.
"""

from __future__ import annotations

import re

_JOINING = re.compile(r"['’\-]")
_SEPARATING = re.compile(r"[^\w\s]|_")


def caption_tokens(text: str) -> list[str]:
    """``"The cat's hat, red!" -> ["the", "cats", "hat", "red"]`` (see the module docstring)."""
    if not isinstance(text, str):
        raise TypeError(f"a caption must be a string, got {type(text).__name__}: {text!r}")
    text = _JOINING.sub("", text.lower())
    return _SEPARATING.sub(" ", text).split()


def normalize_caption(text: str) -> str:
    """The tokens of :func:`caption_tokens` joined by single spaces."""
    return " ".join(caption_tokens(text))
