"""The words of the council seed papers, as salted hashes (scripts/seed_paper_words.py makes
them), so a test can check the demo borrows no name from the papers without the repository
holding the papers or the names."""

import hashlib
from pathlib import Path

OUTPUT = Path(__file__).with_name("seed_paper_words.txt")
_SALT = "prevent-portal-seed-paper-words:"


def digest(text: str) -> str:
    return hashlib.sha256((_SALT + text.lower()).encode()).hexdigest()[:16]


def paper_words() -> frozenset[str]:
    return frozenset(OUTPUT.read_text().split())


def in_papers(text: str) -> bool:
    """Whether this word, or pair of words, stands in the papers."""
    return digest(text) in paper_words()
