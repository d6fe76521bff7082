"""Write tests/core/seed_paper_words.txt: salted hashes of the words, and of the pairs of
capitalised words, in the council papers the demo must not borrow names from.

The papers are not part of the repository (and name real officers), so the test that keeps
demo names fictional reads these hashes instead. Run it again when the papers change:

    python scripts/seed_paper_words.py PATH/TO/seeds
"""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.core.paper_words import OUTPUT, digest  # noqa: E402


def main(folder: str) -> None:
    text = " ".join(p.read_text(errors="ignore") for p in sorted(Path(folder).glob("*.txt")))
    words = re.findall(r"[A-Za-z][A-Za-z'\-]*", text)
    if not words:
        raise SystemExit(f"no papers found in {folder}")
    keys = {w.lower() for w in words}
    keys |= {
        f"{a} {b}".lower()
        for a, b in zip(words, words[1:], strict=False)
        if a[0].isupper() and b[0].isupper()
    }
    OUTPUT.write_text("".join(f"{h}\n" for h in sorted(digest(k) for k in keys)))
    print(f"{len(keys)} words and name pairs written to {OUTPUT}")


if __name__ == "__main__":
    main(sys.argv[1])
