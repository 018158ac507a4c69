"""Group comments by what they say: TF-IDF → TruncatedSVD → two levels of k-means, c-TF-IDF labels.

Pure computation: no database, no web, no logging of comment text. The same docs and settings
give exactly the same result (every random step is seeded with `settings.seed`).
"""

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from flask_babel import lazy_gettext as _l
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from consult.analysis import wordvectors
from consult.analysis.errors import AnalysisInputError
from consult.analysis.tokenizer import package_versions, subwords, tokenize
from consult.core.text import nfkc

STAGES = ("tokenise", "vectorise", "cluster", "label", "project")


@dataclass(frozen=True)
class TextSettings:
    min_groups: int = 3
    max_groups: int = 8
    max_subgroups: int = 4
    min_docs: int = 20
    seed: int = 0
    max_dims: int = 100  # SVD dimensions for large inputs; small inputs get fewer (see _dims)
    label_terms: int = 5
    representatives: int = 3
    min_subgroup_size: int = 10  # a broad group is split only if each part could have this many
    min_split_silhouette: float = 0.05  # below this, splitting a broad group is noise: keep it whole
    silhouette_sample: int = 2000  # silhouette is quadratic: score k on a seeded sample
    threads: int = 1  # BLAS/OpenMP threads: on 2 shared cores one thread was faster and never collapses
    fit_sample: int = 4000  # k is chosen on a seeded sample this large; then a few passes over all docs
    meaning_weight: float = 0.9  # share of the word-vector part in each comment's vector (0: TF-IDF alone)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class TextGroup:
    key: str  # "1", "2" … broad (by size, descending); "1-1", "1-2" … fine within "1"
    parent: str | None  # None for a broad group
    level: int  # 1 broad, 2 fine
    doc_ids: tuple[int, ...]  # sorted
    terms: tuple[str, ...]  # most distinctive first (c-TF-IDF)
    representatives: tuple[int, ...]  # closest to the group's centre first
    size: int


@dataclass(frozen=True)
class TextResult:
    groups: tuple[TextGroup, ...]  # broad groups by key, then fine groups by key
    coordinates: dict[int, tuple[float, float]]  # every clustered doc, both axes in [0, 1]
    excluded: list[int]  # docs with no words (emoji only, one character …), sorted; not clustered
    stage_seconds: dict[str, float]
    settings: dict
    versions: dict[str, str]
    dims: int  # SVD dimensions used
    vocabulary_size: int
    silhouette: float  # of the chosen broad k (on the sample)

    @property
    def broad(self) -> list[TextGroup]:
        return [g for g in self.groups if g.level == 1]

    @property
    def fine(self) -> list[TextGroup]:
        return [g for g in self.groups if g.level == 2]

    def group(self, key: str) -> TextGroup:
        return next(g for g in self.groups if g.key == key)

    def as_dict(self) -> dict:
        """JSON-ready (coordinates as [doc_id, x, y] rows)."""
        data = dataclasses.asdict(self)
        data["coordinates"] = [[doc_id, x, y] for doc_id, (x, y) in sorted(self.coordinates.items())]
        return data


def analyse_text(
    docs: Sequence[tuple[int, str]],
    settings: TextSettings = TextSettings(),
    progress: Callable[[str, float], None] | None = None,
) -> TextResult:
    """Group `docs` ((doc_id, text) pairs) in two levels; raises AnalysisInputError for bad input."""
    # OpenMP k-means threads spin-wait when other processes hold the cores: measured 18.7 s for
    # the cluster stage of 10k under load, 1.1 s with one thread.
    with threadpool_limits(limits=settings.threads):
        return _analyse(docs, settings, progress)


def _analyse(docs, settings: TextSettings, progress) -> TextResult:
    report = progress or (lambda stage, fraction: None)
    seconds: dict[str, float] = {}
    ids = [int(doc_id) for doc_id, _ in docs]
    if len(set(ids)) != len(ids):
        raise ValueError("doc ids must be unique")

    # --- tokenise -------------------------------------------------------------------------------
    started = time.perf_counter()
    report("tokenise", 0.0)
    cache: dict[str, list[str]] = {}  # copy-paste campaigns: the same text is analysed once
    kept_ids: list[int] = []
    kept_tokens: list[list[str]] = []
    kept_texts: set[str] = set()
    excluded: list[int] = []
    step = max(1, len(docs) // 20)
    for i, (doc_id, text) in enumerate(docs):
        key = nfkc(text or "").strip()
        tokens = cache.get(key)
        if tokens is None:
            tokens = cache[key] = tokenize(key)
        if tokens:
            kept_ids.append(int(doc_id))
            kept_tokens.append(tokens)
            kept_texts.add(key)
        else:
            excluded.append(int(doc_id))
        if i % step == 0:
            report("tokenise", i / len(docs))
    _check(kept_ids, kept_texts, settings)
    order = np.argsort(np.asarray(kept_ids), kind="stable")  # the input's order must not matter
    kept_ids = [kept_ids[i] for i in order]
    kept_tokens = [kept_tokens[i] for i in order]
    report("tokenise", 1.0)
    seconds["tokenise"] = time.perf_counter() - started

    # --- vectorise ------------------------------------------------------------------------------
    started = time.perf_counter()
    report("vectorise", 0.0)
    # Features: the words plus the short units inside compounds (see tokenizer.subwords); labels
    # use the words alone, so a label never shows both 駐車場 and 駐車.
    features = [_features(tokens) for tokens in kept_tokens]
    feature_counts, feature_names = _counts(features)
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(feature_counts)
    counts, vocabulary = _counts(kept_tokens)
    dims = _dims(len(kept_ids), len(feature_names), settings)
    report("vectorise", 0.3)
    if dims >= 2:
        svd = TruncatedSVD(n_components=dims, algorithm="randomized", n_iter=5, random_state=settings.seed)
        reduced = svd.fit_transform(tfidf)
    else:
        reduced = tfidf.toarray()
    lexical = normalize(reduced.astype(np.float32), copy=False)
    if settings.meaning_weight > 0:
        # Both parts have unit length; their weights make the whole one again (float32: 100k × 400).
        vectors = np.hstack([np.sqrt(1 - settings.meaning_weight, dtype=np.float32) * lexical,
                             np.sqrt(settings.meaning_weight, dtype=np.float32) * _meaning(kept_tokens)])
        vectors = normalize(vectors, copy=False)
    else:
        vectors = lexical
    report("vectorise", 1.0)
    seconds["vectorise"] = time.perf_counter() - started

    # --- cluster --------------------------------------------------------------------------------
    started = time.perf_counter()
    report("cluster", 0.0)
    n = len(kept_ids)
    k_range = range(max(2, settings.min_groups), max(2, min(settings.max_groups, n - 1)) + 1)
    broad_labels, silhouette = _choose_k(vectors, k_range, settings)
    report("cluster", 0.5)
    broad = _ordered(broad_labels, kept_ids)
    fine: list[tuple[int, list[list[int]]]] = []  # (broad index, parts as row indices)
    for b, rows in enumerate(broad):
        fine.append((b, _split(vectors, rows, kept_ids, settings)))
        report("cluster", 0.5 + 0.5 * (b + 1) / len(broad))
    seconds["cluster"] = time.perf_counter() - started

    # --- label ----------------------------------------------------------------------------------
    started = time.perf_counter()
    report("label", 0.0)
    id_array = np.asarray(kept_ids)
    broad_terms = _ctfidf(counts, broad, vocabulary, settings.label_terms)
    fine_rows = [rows for _, parts in fine for rows in parts]
    fine_terms = _ctfidf(counts, fine_rows, vocabulary, settings.label_terms)
    groups: list[TextGroup] = []
    for b, rows in enumerate(broad):
        groups.append(_group(str(b + 1), None, 1, rows, broad_terms[b], vectors, id_array, settings))
    f = 0
    subgroups: list[TextGroup] = []
    for b, parts in fine:
        for j, rows in enumerate(parts):
            subgroups.append(
                _group(f"{b + 1}-{j + 1}", str(b + 1), 2, rows, fine_terms[f], vectors, id_array, settings)
            )
            f += 1
    report("label", 1.0)
    seconds["label"] = time.perf_counter() - started

    # --- project --------------------------------------------------------------------------------
    started = time.perf_counter()
    report("project", 0.0)
    coordinates = _project(vectors, kept_ids, settings)
    report("project", 1.0)
    seconds["project"] = time.perf_counter() - started

    return TextResult(
        groups=tuple(groups + subgroups),
        coordinates=coordinates,
        excluded=sorted(excluded),
        stage_seconds=seconds,
        settings=settings.as_dict(),
        versions=package_versions(),
        dims=int(vectors.shape[1]),
        vocabulary_size=len(vocabulary),
        silhouette=float(silhouette),
    )


def _check(kept_ids: list[int], kept_texts: set[str], settings: TextSettings) -> None:
    if not kept_ids:
        raise AnalysisInputError("no_words", _l("分析に使える語を含むご意見がありません。"))
    if len(kept_texts) == 1:
        message = _l("ご意見がすべて同じ文面のため、グループに分けられません。")
        raise AnalysisInputError("all_identical", message)
    if len(kept_ids) < settings.min_docs:
        raise AnalysisInputError(
            "too_few",
            _l(
                "分析には語を含むご意見が%(minimum)d件以上必要です。この範囲のご意見は%(count)d件です。",
                minimum=settings.min_docs,
                count=len(kept_ids),
            ),
        )


def _counts(tokens: list[list[str]]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Term counts, with document-frequency bounds that suit both 20 and 100,000 comments."""
    n = len(tokens)
    min_df = 1 if n < 50 else 2 if n < 10000 else 3  # a term once in 100k docs is a typo, not a theme
    max_df = 1.0 if n < 50 else 0.5  # a term in half the comments separates nothing
    for low, high in ((min_df, max_df), (1, 1.0)):  # a tiny, repetitive input may prune everything
        vectorizer = CountVectorizer(analyzer=_identity, min_df=low, max_df=high, dtype=np.float32)
        try:
            counts = vectorizer.fit_transform(tokens)
        except ValueError:  # "After pruning, no terms remain"
            continue
        return counts.tocsr(), vectorizer.get_feature_names_out()
    raise AnalysisInputError("no_words", _l("分析に使える語を含むご意見がありません。"))


def _features(tokens: list[str]) -> list[str]:
    """Words, the short units inside compounds, and the kanji of the words (marked 字:).

    A kanji carries meaning on its own (駐, 避, 育, 待), so 駐車場 / 駐輪場 / 駐車区画 and
    保育園 / 育児 / 子育て share features even when no whole word is shared. Measured on
    themes.csv at k = 5: ARI 0.32–0.44 words only, 0.42–0.61 with sub-units, 0.49–0.71 with kanji too.
    """
    kanji = [f"字:{c}" for term in tokens for c in term if "\u4e00" <= c <= "\u9fff"]
    return tokens + [part for term in tokens for part in subwords(term)] + kanji


def _meaning(tokens: list[list[str]]) -> np.ndarray:
    """Each comment's mean word vector (chiVe), centred on the comments' mean and normalised (float32).

    Every word counts, even one used once (unlike the TF-IDF part, where such a word separates
    nothing): 停める said once still means parking (themes.csv: ARI 0.83–0.91 with all words, 0.58–0.76 with
    the pruned vocabulary). A word chiVe does not know counts by the known units inside it
    (subwords); a comment with no known word gets zeros here and is placed by its TF-IDF part alone.
    """
    vectorizer = CountVectorizer(analyzer=_identity, dtype=np.float32)
    counts = vectorizer.fit_transform(tokens).tocsr()
    vocabulary = vectorizer.get_feature_names_out()
    table = wordvectors.load()
    rows = table.rows([str(w) for w in vocabulary])
    word_vectors = np.zeros((len(vocabulary), wordvectors.DIMENSIONS), dtype=np.float32)
    known = rows >= 0
    word_vectors[known] = table.table[rows[known]]
    for i in np.flatnonzero(~known):
        parts = table.rows(subwords(str(vocabulary[i])))
        parts = parts[parts >= 0]
        if len(parts):
            word_vectors[i] = table.table[parts].mean(axis=0)
            known[i] = True
    uses = counts @ sparse.diags(known.astype(np.float32))  # unknown words do not count
    per_doc = np.asarray(uses.sum(axis=1), dtype=np.float32).ravel()
    docs = np.asarray(uses @ word_vectors, dtype=np.float32)
    has = per_doc > 0
    docs[has] /= per_doc[has, None]
    if has.any():
        docs[has] -= docs[has].mean(axis=0)
    return normalize(docs, copy=False)


def _identity(tokens):
    return tokens


def _dims(n_docs: int, n_terms: int, settings: TextSettings) -> int:
    # Short comments share few words: a few dimensions per theme make LSA merge co-occurring words
    # (themes.csv, 212 docs, k = 5, seed 0: ARI 0.59 at 10 dims, 0.49 at 20, 0.51 at 40). One per 20 docs, 8 at least.
    return max(0, min(settings.max_dims, max(8, n_docs // 20), n_docs - 1, n_terms - 1))


def _kmeans(k: int, seed: int) -> KMeans:
    return KMeans(n_clusters=k, random_state=seed, n_init=2, max_iter=100)


def _sample(n: int, size: int, seed: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def _choose_k(vectors: np.ndarray, k_range: range, settings: TextSettings) -> tuple[np.ndarray, float]:
    """The k with the best silhouette (k-means and silhouette on seeded samples), then all docs."""
    n = len(vectors)
    fit_rows = _sample(n, settings.fit_sample, settings.seed)
    fit_vectors = vectors[fit_rows]
    score_rows = _sample(len(fit_rows), settings.silhouette_sample, settings.seed + 1)
    best_k, best_score, best_labels, best_model = None, -2.0, None, None
    distinct = len(np.unique(fit_vectors.round(6), axis=0))
    for k in k_range:
        if k > distinct:  # k-means cannot make more groups than there are distinct points
            break
        model = _kmeans(k, settings.seed)
        labels = model.fit_predict(fit_vectors)
        if len(np.unique(labels[score_rows])) < 2:
            continue
        score = silhouette_score(fit_vectors[score_rows], labels[score_rows])
        if score > best_score + 1e-9:  # ties keep the smaller k
            best_k, best_score, best_labels, best_model = k, score, labels, model
    if best_k is None:  # too few distinct vectors for the range: the two-group fallback
        best_k = min(2, distinct)
        best_model = _kmeans(best_k, settings.seed)
        best_labels = best_model.fit_predict(fit_vectors)
        best_score = 0.0
    if len(fit_rows) == n:
        return best_labels, best_score
    # The sample's centres start a few Lloyd passes over every doc (measured: 6 MiniBatchKMeans fits
    # on all of 10k docs took 11 s; this takes well under one).
    final = KMeans(best_k, init=best_model.cluster_centers_, n_init=1, max_iter=20, random_state=settings.seed)
    return final.fit_predict(vectors), best_score


def _ordered(labels: np.ndarray, ids: list[int]) -> list[list[int]]:
    """Row indices per cluster, largest first (ties: the smaller first doc id), empty ones dropped."""
    clusters: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        clusters.setdefault(int(label), []).append(row)
    parts = [rows for rows in clusters.values() if rows]
    return sorted(parts, key=lambda rows: (-len(rows), min(ids[r] for r in rows)))


def _split(vectors: np.ndarray, rows: list[int], ids: list[int], settings: TextSettings) -> list[list[int]]:
    """1 to max_subgroups parts of one broad group (silhouette rule; small or uniform groups stay whole)."""
    most = min(settings.max_subgroups, len(rows) // settings.min_subgroup_size)
    if most < 2:
        return [rows]
    sub = vectors[rows]
    labels, score = _choose_k(sub, range(2, most + 1), settings)
    if score < settings.min_split_silhouette:
        return [rows]
    return [[rows[r] for r in part] for part in _ordered(labels, [ids[r] for r in rows])]


def _ctfidf(counts: sparse.csr_matrix, clusters: list[list[int]], vocabulary: np.ndarray, top: int):
    """Class-based TF-IDF (as in BERTopic): tf per class (normalised) × log(1 + mean class size / term total)."""
    rows, cols = [], []
    for c, members in enumerate(clusters):
        rows.extend(members)
        cols.extend([c] * len(members))
    membership = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(counts.shape[0], len(clusters))
    )
    class_counts = np.asarray((membership.T @ counts).todense(), dtype=np.float64)  # classes × terms
    totals = class_counts.sum(axis=1, keepdims=True)
    tf = class_counts / np.maximum(totals, 1.0)
    term_totals = class_counts.sum(axis=0)
    idf = np.log(1.0 + totals.mean() / np.maximum(term_totals, 1.0))
    scores = tf * idf
    labels = []
    for c in range(len(clusters)):
        present = np.flatnonzero(class_counts[c] > 0)
        # Highest score first; ties by the term itself so the order never depends on the vocabulary's.
        ranked = sorted(present, key=lambda t: (-round(float(scores[c, t]), 12), vocabulary[t]))
        labels.append(tuple(str(vocabulary[t]) for t in ranked[:top]))
    return labels


def _group(key, parent, level, rows, terms, vectors, ids, settings) -> TextGroup:
    members = vectors[rows]
    centre = members.mean(axis=0)
    distance = np.linalg.norm(members - centre, axis=1).round(6)  # rounding: float noise must not reorder ties
    member_ids = ids[rows]
    nearest = np.lexsort((member_ids, distance))[: settings.representatives]
    return TextGroup(
        key=key,
        parent=parent,
        level=level,
        doc_ids=tuple(sorted(int(i) for i in member_ids)),
        terms=tuple(terms),
        representatives=tuple(int(member_ids[i]) for i in nearest),
        size=len(rows),
    )


def _project(vectors: np.ndarray, ids: list[int], settings: TextSettings) -> dict[int, tuple[float, float]]:
    """PCA of the reduced vectors to two axes, each scaled to [0, 1] (a flat axis sits at 0.5)."""
    if vectors.shape[1] >= 2 and len(vectors) >= 2:
        # covariance_eigh: the 400 × 400 covariance, not an SVD of 100k rows (measured 6.1 s → see RESULTS.md)
        points = PCA(n_components=2, svd_solver="covariance_eigh").fit_transform(vectors)
    else:
        points = np.zeros((len(vectors), 2))
    low, high = points.min(axis=0), points.max(axis=0)
    span = high - low
    scaled = np.where(span > 0, (points - low) / np.where(span > 0, span, 1.0), 0.5)
    scaled = np.clip(scaled, 0.0, 1.0)
    return {doc_id: (float(x), float(y)) for doc_id, (x, y) in zip(ids, scaled.round(6))}
