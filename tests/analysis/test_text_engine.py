"""The text engine on a set with a known answer (tests/data/analysis/themes.csv) and on bad input."""

import csv
import hashlib
import json
import os
import pathlib
import random
import subprocess
import sys
from collections import Counter

import pytest
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from consult.analysis.errors import AnalysisInputError
from consult.analysis.text import STAGES, TextSettings, analyse_text
from consult.analysis.tokenizer import package_versions, tokenize

THEMES = pathlib.Path(__file__).parent.parent / "data" / "analysis" / "themes.csv"


def _themes() -> tuple[list[tuple[int, str]], dict[int, str]]:
    with THEMES.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    docs = [(i + 1, row["text"]) for i, row in enumerate(rows)]
    return docs, {i + 1: row["theme"] for i, row in enumerate(rows)}


@pytest.fixture(scope="module")
def themes():
    docs, truth = _themes()
    return docs, truth, analyse_text(docs)


def _scores(result, truth) -> tuple[float, float, dict[int, str]]:
    assigned = {doc_id: group.key for group in result.broad for doc_id in group.doc_ids}
    ids = sorted(assigned)
    expected, found = [truth[i] for i in ids], [assigned[i] for i in ids]
    return adjusted_rand_score(expected, found), normalized_mutual_info_score(expected, found), assigned


# --- the tokeniser ----------------------------------------------------------------------------------


def test_tokenizer_keeps_compounds_and_folds_variants():
    assert tokenize("区役所の在り方") == ["区役所", "在り方"]
    assert tokenize("引越しの手続き") == tokenize("引っ越しの手続き") == ["引っ越し", "手続き"]
    assert tokenize("まちづくり") == tokenize("町づくり")  # one normalised form however it is written


def test_tokenizer_drops_function_words_numbers_and_stop_words():
    # NFKC first: full-width ２０ is a number and goes; particles, auxiliaries, する, こと go.
    assert tokenize("窓口で２０分も待たされることがあると思います。") == ["窓口", "分", "待たす"]
    assert tokenize("あ") == [] and tokenize("😀😀") == [] and tokenize("") == []
    assert tokenize("避難所が遠い") == ["避難所", "遠い"]  # 避難 + the suffix 所 stay one word


def test_package_versions_name_the_analyser_and_its_dictionary():
    versions = package_versions()
    assert set(versions) == {"SudachiPy", "sudachidict-core", "ja_ginza", "numpy", "scikit-learn"}
    assert all(v and v != "absent" for v in versions.values()), versions


# --- quality on the known answer ------------------------------------------------------------------------


def test_broad_groups_recover_the_themes(themes):
    """Issue 16's target: ARI ≥ 0.7 against the themes (measured 0.91 / NMI 0.92 at seed 0)."""
    _docs, truth, result = themes
    ari, nmi, _ = _scores(result, truth)
    assert ari >= 0.7 and nmi >= 0.7, f"ARI {ari:.3f}, NMI {nmi:.3f}, {len(result.broad)} broad groups"
    # Every theme is the clear majority (≥ 70 %) of a broad group of its own.
    led = set()
    for group in result.broad:
        theme, count = Counter(truth[d] for d in group.doc_ids).most_common(1)[0]
        if count >= 0.7 * group.size:
            led.add(theme)
    assert led == set(truth.values()), f"themes leading a group: {sorted(led)}; ARI {ari:.3f}, NMI {nmi:.3f}"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_target_holds_for_other_seeds(themes, seed):
    """Not one lucky seed: measured ARI 0.83–0.92 over seeds 0–7."""
    docs, truth, _ = themes
    result = analyse_text(docs, TextSettings(seed=seed))
    ari, nmi, _ = _scores(result, truth)
    assert ari >= 0.7, f"seed {seed}: ARI {ari:.3f}, NMI {nmi:.3f}, {len(result.broad)} broad groups"


def test_word_vectors_carry_what_shared_words_cannot(themes):
    """Without chiVe's vectors (TF-IDF alone) the same set falls to ARI ≈ 0.5: the vectors are what meets the target."""
    docs, truth, result = themes
    lexical = analyse_text(docs, TextSettings(meaning_weight=0.0))
    assert _scores(lexical, truth)[0] + 0.15 < _scores(result, truth)[0]


def test_labels_name_the_themes(themes):
    _docs, truth, result = themes
    labels = {}
    for group in result.broad:
        theme = Counter(truth[d] for d in group.doc_ids).most_common(1)[0][0]
        labels.setdefault(theme, set()).update(group.terms)
    assert "駐車場" in labels["parking"], labels
    assert {"避難所", "避難"} & labels["disaster"], labels
    assert {"待つ", "待ち", "時間"} & labels["waiting"], labels
    assert "地域" in labels["community"] or "町作り" in labels["community"], labels
    assert all(1 <= len(g.terms) <= 5 for g in result.groups)


# --- structure ----------------------------------------------------------------------------------------


def test_two_levels_nest_and_are_numbered_by_size(themes):
    docs, _truth, result = themes
    settings = TextSettings()
    broad = result.broad
    assert settings.min_groups <= len(broad) <= settings.max_groups
    assert [g.key for g in broad] == [str(i + 1) for i in range(len(broad))]
    assert [g.size for g in broad] == sorted((g.size for g in broad), reverse=True)
    clustered = [d for g in broad for d in g.doc_ids]
    assert sorted(clustered) == sorted(d for d, _ in docs)  # every doc in exactly one broad group
    for parent in broad:
        children = [g for g in result.fine if g.parent == parent.key]
        assert 1 <= len(children) <= settings.max_subgroups
        assert [g.key for g in children] == [f"{parent.key}-{j + 1}" for j in range(len(children))]
        assert [g.size for g in children] == sorted((g.size for g in children), reverse=True)
        members = [d for g in children for d in g.doc_ids]
        assert sorted(members) == list(parent.doc_ids)  # inside the parent, disjoint, covering it
    assert all(g.level == 1 and g.parent is None for g in broad)
    assert len(result.groups) == len(broad) + len(result.fine)


def test_groups_are_well_formed_and_representatives_are_members(themes):
    _docs, _truth, result = themes
    for group in result.groups:
        assert list(group.doc_ids) == sorted(group.doc_ids) and group.size == len(group.doc_ids)
        assert len(group.representatives) == min(3, group.size)
        assert len(set(group.representatives)) == len(group.representatives)
        assert set(group.representatives) <= set(group.doc_ids)


def test_coordinates_cover_every_clustered_doc_in_the_unit_square(themes):
    docs, _truth, result = themes
    assert set(result.coordinates) == {d for d, _ in docs}
    xs = [x for x, _ in result.coordinates.values()]
    ys = [y for _, y in result.coordinates.values()]
    assert min(xs) == 0.0 and max(xs) == 1.0 and min(ys) == 0.0 and max(ys) == 1.0
    assert len(set(result.coordinates.values())) > len(docs) // 2  # a map, not a few dots


def test_result_records_stages_settings_and_versions(themes):
    _docs, _truth, result = themes
    assert list(result.stage_seconds) == list(STAGES)
    assert all(s >= 0 for s in result.stage_seconds.values())
    assert result.settings == TextSettings().as_dict() and result.settings["seed"] == 0
    assert result.versions == package_versions()
    assert result.as_dict()["coordinates"][0][0] == 1


def test_progress_reports_the_stages_in_order():
    docs, _ = _themes()
    seen = []
    analyse_text(docs[:60], progress=lambda stage, fraction: seen.append((stage, fraction)))
    stages = list(dict.fromkeys(stage for stage, _ in seen))
    assert stages == list(STAGES)
    for stage in STAGES:
        fractions = [f for s, f in seen if s == stage]
        assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)


# --- determinism --------------------------------------------------------------------------------------


def test_same_input_same_result_whatever_the_order(themes):
    docs, _truth, result = themes
    again = analyse_text(docs)
    shuffled = list(docs)
    random.Random(3).shuffle(shuffled)
    other_order = analyse_text(shuffled)
    for run in (again, other_order):
        assert run.groups == result.groups
        assert run.coordinates == result.coordinates
        assert run.excluded == result.excluded


_DIGEST = """
import csv, hashlib, json, sys
from consult.analysis.text import analyse_text
with open(sys.argv[1], encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
data = analyse_text([(i + 1, row["text"]) for i, row in enumerate(rows)]).as_dict()
data.pop("stage_seconds")
print(hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest())
"""


def test_same_result_in_another_process_with_another_hash_seed(themes):
    """String hashing differs between processes; nothing in the result may depend on it."""
    data = themes[2].as_dict()
    data.pop("stage_seconds")
    here = hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(pathlib.Path(__file__).parents[2]))
    there = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", _DIGEST, str(THEMES)], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert there == here


def test_the_seed_is_used():
    docs, _ = _themes()
    a = analyse_text(docs, TextSettings(seed=0))
    b = analyse_text(docs, TextSettings(seed=7))
    assert a.settings["seed"] == 0 and b.settings["seed"] == 7
    assert a.groups != b.groups or a.coordinates != b.coordinates


# --- exclusion and refusals -----------------------------------------------------------------------------


def test_docs_without_words_are_excluded_not_clustered():
    docs, _ = _themes()
    extra = [(9001, "😀😀😀"), (9002, "あ"), (9003, "！！"), (9004, "  "), (9005, "123")]
    result = analyse_text(docs[:80] + extra)
    assert result.excluded == [9001, 9002, 9003, 9004, 9005]
    clustered = {d for g in result.groups for d in g.doc_ids}
    assert not clustered & set(result.excluded)
    assert not set(result.coordinates) & set(result.excluded)
    assert len(clustered) == 80


def test_too_few_counts_only_docs_with_words():
    docs, _ = _themes()
    with pytest.raises(AnalysisInputError) as refused:
        analyse_text(docs[:19] + [(9000 + i, "あ") for i in range(10)])
    assert refused.value.code == "too_few"
    assert "20" in str(refused.value.message) and "19" in str(refused.value.message)
    analyse_text(docs[:20])  # exactly the minimum is enough
    with pytest.raises(AnalysisInputError) as refused:
        analyse_text(docs[:30], TextSettings(min_docs=31))
    assert refused.value.code == "too_few" and "31" in str(refused.value.message)


def test_all_identical_after_nfkc():
    same = [(i, "駐車場が狭い２０台") if i % 2 else (i, "駐車場が狭い20台") for i in range(40)]
    with pytest.raises(AnalysisInputError) as refused:
        analyse_text(same)
    assert refused.value.code == "all_identical" and str(refused.value.message)


def test_no_words():
    with pytest.raises(AnalysisInputError) as refused:
        analyse_text([(i, "😀" if i % 2 else "…") for i in range(40)])
    assert refused.value.code == "no_words" and str(refused.value.message)
    with pytest.raises(AnalysisInputError) as refused:
        analyse_text([])
    assert refused.value.code == "no_words"


def test_few_distinct_texts_give_exactly_their_groups():
    texts = ["駐車場が狭い", "窓口が混む", "避難所が遠い"]
    docs = [(i, texts[i % 3] + ("です" if i % 2 else "")) for i in range(30)]
    result = analyse_text(docs)
    assert sorted(tuple(sorted(g.terms)) for g in result.broad) == [("混む", "窓口"), ("狭い", "駐車場"), ("遠い", "避難所")]
    assert all(g.size == 10 for g in result.broad)
    assert [g.key for g in result.fine] == ["1-1", "2-1", "3-1"]  # a uniform group is not split
