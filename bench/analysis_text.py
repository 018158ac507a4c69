"""Time the text engine on 10k and 100k synthetic comments: seconds per stage and peak memory.

    PYTHONPATH=. .venv/bin/python bench/analysis_text.py [--size 10k --size 100k] [--seed 0]

The comments recombine 1–3 sentences of one theme of tests/data/analysis/themes.csv with
seeded variations (openers, closers, full-width digits, a dropped 。), so most texts are
distinct and the theme of each is known; the ARI against it is printed as a sanity check.
Each size runs in a fresh process so that peak RSS (ru_maxrss) belongs to that size alone.
"""

import argparse
import csv
import json
import pathlib
import random
import resource
import subprocess
import sys
import time

THEMES = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "analysis" / "themes.csv"
SIZES = {"10k": 10_000, "100k": 100_000}
OPENERS = ["", "", "", "いつも思うのですが、", "正直なところ、", "前から気になっていました。", "家族とも話したのですが、",
           "区民として一言。", "先日区役所に行きました。"]
CLOSERS = ["", "", "", "よろしくお願いします。", "改善を期待しています。", "ご検討ください。", "以上です。", "困っています。"]
WIDE = str.maketrans("0123456789", "０１２３４５６７８９")


def synthetic(n: int, seed: int) -> tuple[list[tuple[int, str]], list[str]]:
    with THEMES.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_theme: dict[str, list[str]] = {}
    for row in rows:
        by_theme.setdefault(row["theme"], []).append(row["text"])
    themes = sorted(by_theme)
    rnd = random.Random(seed)
    docs, truth = [], []
    for doc_id in range(1, n + 1):
        theme = rnd.choice(themes)
        sentences = rnd.sample(by_theme[theme], rnd.choice((1, 1, 2, 2, 3)))
        text = rnd.choice(OPENERS) + "".join(sentences) + rnd.choice(CLOSERS)
        if rnd.random() < 0.2:
            text = text.translate(WIDE)
        if rnd.random() < 0.1:
            text = text.replace("。", "", 1)
        docs.append((doc_id, text))
        truth.append(theme)
    return docs, truth


def run_one(size: str, seed: int) -> dict:
    from sklearn.metrics import adjusted_rand_score

    from consult.analysis.text import analyse_text

    docs, truth = synthetic(SIZES[size], seed)
    distinct = len({text for _, text in docs})
    started = time.perf_counter()
    result = analyse_text(docs)
    total = time.perf_counter() - started
    assigned = {d: g.key for g in result.broad for d in g.doc_ids}
    ids = sorted(assigned)
    ari = adjusted_rand_score([truth[i - 1] for i in ids], [assigned[i] for i in ids])
    return {
        "size": size,
        "docs": len(docs),
        "distinct_texts": distinct,
        "seconds": round(total, 2),
        "stages": {k: round(v, 2) for k, v in result.stage_seconds.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "broad_groups": len(result.broad),
        "fine_groups": len(result.fine),
        "dims": result.dims,
        "vocabulary": result.vocabulary_size,
        "ari_vs_theme": round(ari, 3),
        "versions": result.versions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", choices=sorted(SIZES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.seed), ensure_ascii=False))
        return
    for size in args.size or ["10k", "100k"]:
        out = subprocess.run(
            [sys.executable, __file__, "--child", size, "--seed", str(args.seed)],
            check=True, capture_output=True, text=True,
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
        stages = "  ".join(f"{k} {v:.2f}" for k, v in row["stages"].items())
        print(f"{row['size']:>5}: {row['seconds']:.2f} s ({stages}); peak RSS {row['peak_rss_mb']} MB; "
              f"{row['distinct_texts']} distinct texts, "
              f"{row['broad_groups']} broad / {row['fine_groups']} fine groups, "
              f"{row['dims']} dims, {row['vocabulary']} terms, ARI vs theme {row['ari_vs_theme']}")
    print("versions:", json.dumps(row["versions"]))


if __name__ == "__main__":
    main()
