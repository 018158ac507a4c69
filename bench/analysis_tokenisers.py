"""Tokeniser comparison for docs/analysis.md: 10k short comments recombined from the themes file (seed 0)."""
import csv
import random
import time
import unicodedata

rows = [r["text"] for r in csv.DictReader(open("tests/data/analysis/themes.csv", encoding="utf-8"))]
rnd = random.Random(0)
texts = [
    unicodedata.normalize("NFKC", rnd.choice(rows) + rnd.choice(["", "本当に", "よろしくお願いします。"]) + rnd.choice(rows))
    for _ in range(10000)
]


def timeit(name, fn):
    start = time.perf_counter()
    for text in texts:
        fn(text)
    print(f"{name:28s} {time.perf_counter() - start:6.2f} s / 10k")


from sudachipy import Dictionary, SplitMode  # noqa: E402
st = Dictionary(dict="core").tokenizer(mode=SplitMode.C)
timeit("sudachi C (raw)", lambda x: [m.normalized_form() for m in st.tokenize(x)])
from consult.analysis.tokenizer import tokenize  # noqa: E402
timeit("consult tokenize (sudachi)", tokenize)
import fugashi  # noqa: E402
fg = fugashi.Tagger()
timeit("fugashi+unidic-lite (raw)", lambda x: [w.feature.lemma for w in fg(x)])
from janome.tokenizer import Tokenizer  # noqa: E402
jt = Tokenizer()
timeit("janome (raw)", lambda x: [t.base_form for t in jt.tokenize(x)])
