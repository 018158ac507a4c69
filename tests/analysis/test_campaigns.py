"""Copy-paste campaigns: a planted template with small changes is one group; nothing else is."""

import random

from consult.analysis.campaigns import MIN_CHARS, find_near_duplicates, normalise

SUBJECTS = ["市電の増便", "図書館の開館時間", "公園の遊具", "バス路線の再編", "保育園の定員", "道路の補修", "防災訓練",
            "ごみの分別", "自転車道", "子ども食堂", "高齢者の見守り", "商店街の活性化", "観光案内", "熊本城周辺の駐車場",
            "学校給食", "公民館の予約", "雨水の排水", "街路樹の剪定", "空き家の活用", "夜間の街灯"]
OPINIONS = ["を早く進めてほしい", "には反対です", "の費用が心配です", "は今のままでよい", "をもっと広く知らせるべきだ",
            "について説明が足りない", "は地域ごとに考えるべきだ", "を若い世代の声で決めてほしい", "の優先順位を下げてよい",
            "は財源を示してから決めるべきだ"]
REASONS = ["毎日利用しているからです", "子どもが小さいからです", "近所で事故があったからです", "税金の使い道が気になります",
           "去年の説明会に参加しました", "友人も同じ意見です", "車を持っていないので", "仕事の帰りが遅いので",
           "高齢の親と暮らしています", "転入してきたばかりです", "以前は別の市に住んでいました", "災害の時が心配です"]


def varied(n, seed=3):
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(2, 4)):
            parts.append(f"{rng.choice(SUBJECTS)}{rng.choice(OPINIONS)}。{rng.choice(REASONS)}。")
        texts.append("".join(parts))
    return texts


TEMPLATE = ("私は熊本市の路面電車の延伸計画に強く反対します。工事期間中の渋滞が心配ですし、総事業費が大きすぎます。"
            "まずは既存路線の増便とバス路線の見直しを優先してください。市民への説明会も十分に開かれていません。"
            "計画を白紙に戻し、2025年度の予算を子育て支援に回すことを求めます。")
SWAPS = [("強く", "とても"), ("渋滞", "交通渋滞"), ("大きすぎます", "高すぎます"), ("優先して", "先に"),
         ("十分に", "まだ"), ("求めます", "お願いします"), ("子育て支援", "福祉")]
WIDTH = [("2025", "２０２５"), ("。", "．"), ("、", ","), ("熊本市", "熊本市 ")]


def campaign(n, seed=5):
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        text = TEMPLATE
        for old, new in rng.sample(SWAPS, 2):
            text = text.replace(old, new, 1)
        for old, new in rng.sample(WIDTH, 2):
            text = text.replace(old, new)
        texts.append(text + rng.choice(["", "！", "　", "\n"]))
    return texts


def test_planted_campaign_found_alone():
    docs = [(i, t) for i, t in enumerate(varied(500), start=1)]
    planted = campaign(30)
    rng = random.Random(9)
    ids = rng.sample(range(1000, 5000), 30)
    docs += list(zip(ids, planted))
    rng.shuffle(docs)
    found = find_near_duplicates(docs)
    assert len(found) == 1
    assert found[0].members == sorted(ids)
    assert found[0].representative == min(ids)
    assert found[0].size == 30
    assert 0.8 <= found[0].mean_similarity <= 1.0


def test_varied_texts_are_not_campaigns():
    assert find_near_duplicates([(i, t) for i, t in enumerate(varied(500))]) == []


def test_identical_short_texts_not_flagged():
    docs = [(i, "賛成です") for i in range(50)] + [(100 + i, "反対です！") for i in range(50)]
    assert find_near_duplicates(docs) == []
    assert len(normalise("賛成です。")) < MIN_CHARS


def test_exact_copies_are_one_campaign():
    docs = [(i, TEMPLATE) for i in range(200)] + [(500, TEMPLATE.replace("。", "!")), (501, "全く別の意見を持っています。以上。")]
    found = find_near_duplicates(docs)
    assert [c.members for c in found] == [list(range(200)) + [500]]
    assert found[0].mean_similarity == 1.0


def test_width_and_punctuation_do_not_matter():
    assert normalise("ＡＢＣ　１２３、ご検討ください！") == normalise("abc123ご検討ください")


def test_deterministic_and_order_free():
    docs = [(i, t) for i, t in enumerate(varied(200) + campaign(20) + campaign(10, seed=8), start=1)]
    first = find_near_duplicates(docs, seed=2)
    shuffled = docs[:]
    random.Random(1).shuffle(shuffled)
    assert find_near_duplicates(shuffled, seed=2) == first
    assert find_near_duplicates(docs, seed=2) == first
    assert len(first) == 1 and first[0].size == 30  # both planted samples share the template
