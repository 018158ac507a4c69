"""Tokeniser comparison for docs/analysis.md: 10k short comments recombined from the themes file (seed 0).

    PYTHONPATH=. .venv/bin/python bench/analysis_tokenisers.py
"""

import csv
import pathlib
import random
import time
import unicodedata

THEMES = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "analysis" / "themes.csv"


def timeit(name, fn, texts) -> None:
    start = time.perf_counter()
    for text in texts:
        fn(text)
    print(f"{name:28s} {time.perf_counter() - start:6.2f} s / {len(texts) // 1000}k")


def main() -> None:
    import fugashi
    from janome.tokenizer import Tokenizer
    from sudachipy import Dictionary, SplitMode

    from consult.analysis.tokenizer import tokenize

    with THEMES.open(encoding="utf-8") as f:
        rows = [row["text"] for row in csv.DictReader(f)]
    rnd = random.Random(0)
    texts = [
        unicodedata.normalize("NFKC", rnd.choice(rows) + rnd.choice(["", "本当に", "よろしくお願いします。"]) + rnd.choice(rows))
        for _ in range(10000)
    ]
    sudachi = Dictionary(dict="core").tokenizer(mode=SplitMode.C)
    timeit("sudachi C (raw)", lambda x: [m.normalized_form() for m in sudachi.tokenize(x)], texts)
    timeit("consult tokenize (sudachi)", tokenize, texts)
    tagger = fugashi.Tagger()
    timeit("fugashi+unidic-lite (raw)", lambda x: [w.feature.lemma for w in tagger(x)], texts)
    janome = Tokenizer()
    timeit("janome (raw)", lambda x: [t.base_form for t in janome.tokenize(x)], texts)


if __name__ == "__main__":
    main()
