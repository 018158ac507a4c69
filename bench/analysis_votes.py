"""Times the broad-listening analysis without a database (issue 16).

    PYTHONPATH=. .venv/bin/python bench/analysis_votes.py [--participants 100000] [--proposals 20]
        [--texts 10000 --texts 100000]

- ``analyse_votes`` on planted votes: three camps, 75 % of proposals seen, passes and flips;
  prints the stage seconds, k, the silhouette, and how well the camps were found (adjusted Rand).
- ``find_near_duplicates`` on generated Japanese comments with planted copy-paste campaigns (1 %
  of the texts, in campaigns of 50, each copy with two words changed and width / punctuation
  variations); prints seconds, campaigns found and planted copies recovered.

Peak memory is the process's maximum resident set size (resource.getrusage), so each figure is
the peak so far: run one size at a time to read a size's own peak.
"""

import argparse
import random
import resource
import time

import numpy as np

from consult.analysis.campaigns import find_near_duplicates
from consult.analysis.votes import VoteSettings, analyse_votes


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def planted_votes(participants: int, proposals: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    camps = rng.choice(3, size=participants, p=[0.5, 0.3, 0.2])
    lean = rng.uniform(0.2, 0.8, size=(3, proposals))
    lean[:, :6] = [[0.9, 0.1, 0.1, 0.9, 0.9, 0.1], [0.1, 0.9, 0.1, 0.9, 0.1, 0.9], [0.1, 0.1, 0.9, 0.1, 0.9, 0.9]]
    lean[:, 6:9] = 0.9  # consensus
    agree = rng.random((participants, proposals)) < lean[camps]
    values = np.where(agree, 1, -1)
    values[rng.random((participants, proposals)) < 0.1] = 0
    seen = rng.random((participants, proposals)) < 0.75
    who, what = np.nonzero(seen)
    votes = list(zip((who + 1).tolist(), (what + 1).tolist(), values[who, what].tolist()))
    return votes, list(range(1, proposals + 1)), camps


SUBJECTS = ["市電の増便", "図書館の開館時間", "公園の遊具", "バス路線の再編", "保育園の定員", "道路の補修", "防災訓練",
            "ごみの分別", "自転車道", "子ども食堂", "高齢者の見守り", "商店街の活性化", "観光案内", "駐車場", "学校給食",
            "公民館の予約", "雨水の排水", "街路樹の剪定", "空き家の活用", "夜間の街灯"]
PLACES = ["中央区", "東区", "西区", "南区", "北区", "水前寺", "健軍", "植木", "城南", "富合", "清水", "託麻"]
OPINIONS = ["を早く進めてほしい", "には反対です", "の費用が心配です", "は今のままでよい", "をもっと広く知らせるべきだ",
            "について説明が足りない", "は地域ごとに考えるべきだ", "を若い世代の声で決めてほしい", "の優先順位を下げてよい",
            "は財源を示してから決めるべきだ"]
REASONS = ["毎日利用しているからです", "子どもが小さいからです", "近所で事故があったからです", "税金の使い道が気になります",
           "説明会に参加しました", "友人も同じ意見です", "車を持っていないので", "仕事の帰りが遅いので",
           "高齢の親と暮らしています", "転入してきたばかりです", "以前は別の市に住んでいました", "災害の時が心配です"]
SWAPS = [("強く", "とても"), ("心配", "不安"), ("大きすぎます", "高すぎます"), ("優先して", "先に"),
         ("十分に", "まだ"), ("求めます", "お願いします")]


def texts(n: int, seed: int = 1):
    rng = random.Random(seed)
    docs, planted = [], []
    for i in range(n - n // 100):
        parts = [f"{rng.choice(PLACES)}の{rng.choice(SUBJECTS)}{rng.choice(OPINIONS)}。"
                 f"{rng.choice(REASONS)}。{rng.randint(1, 40)}年住んでいます。" for _ in range(rng.randint(2, 4))]
        docs.append((i, "".join(parts)))
    for c in range(n // 100 // 50):
        base = (f"私は{PLACES[c % len(PLACES)]}の{SUBJECTS[c % len(SUBJECTS)]}計画に強く反対します。"
                f"工事中の渋滞が心配ですし、費用が大きすぎます。既存の事業を優先してください。"
                f"説明会も十分に開かれていません。計画{c}号を白紙に戻すことを求めます。")
        for _ in range(50):
            text = base
            for old, new in rng.sample(SWAPS, 2):
                text = text.replace(old, new, 1)
            text = text.replace("。", rng.choice(["。", "．", "! "])).replace("、", rng.choice(["、", ","]))
            planted.append(len(docs))
            docs.append((len(docs), text))
    rng.shuffle(docs)
    return docs, set(planted)


def bench_votes(participants: int, proposals: int) -> None:
    votes, proposal_ids, camps = planted_votes(participants, proposals)
    before = peak_mb()
    start = time.perf_counter()
    result = analyse_votes(votes, proposal_ids, VoteSettings(seed=1))
    total = time.perf_counter() - start
    from sklearn.metrics import adjusted_rand_score
    group_of = {m: g.key for g in result.groups for m in g.members}
    found = [group_of.get(i + 1, "-") for i in range(participants)]
    print(f"analyse_votes: {participants:,} participants x {proposals} proposals, {len(votes):,} votes: "
          f"{total:.2f} s  stages {result.stage_seconds}")
    print(f"  k={result.k} silhouette={result.silhouette} used={result.participants_used:,} "
          f"ARI={adjusted_rand_score(camps, found):.3f} consensus={result.consensus} divisive={result.divisive[:6]}")
    print(f"  peak RSS {peak_mb():.0f} MB (before the call {before:.0f} MB, votes as a list of tuples)")


def bench_campaigns(n: int) -> None:
    docs, planted = texts(n)
    before = peak_mb()
    start = time.perf_counter()
    found = find_near_duplicates(docs)
    total = time.perf_counter() - start
    grouped = {m for c in found for m in c.members}
    print(f"find_near_duplicates: {n:,} texts: {total:.2f} s, {len(found)} campaigns, "
          f"{len(grouped & planted):,}/{len(planted):,} planted copies grouped, {len(grouped - planted):,} others grouped; "
          f"peak RSS {peak_mb():.0f} MB (before {before:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--proposals", type=int, default=20)
    parser.add_argument("--texts", type=int, action="append")
    parser.add_argument("--skip-votes", action="store_true")
    args = parser.parse_args()
    if not args.skip_votes:
        bench_votes(args.participants, args.proposals)
    for n in args.texts or [10_000, 100_000]:
        bench_campaigns(n)


if __name__ == "__main__":
    main()
