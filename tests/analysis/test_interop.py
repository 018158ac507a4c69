"""consult.analysis.interop: kouchou-ai / Talk to the City CSV, Polis exports, run JSON and result CSV."""

import csv
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from flask_babel import force_locale

from consult.analysis.interop import (KOUCHOU_RESULT_COLUMNS, ImportFormatError, export_kouchou_csv,
                                      export_run_json, parse_kouchou_csv, parse_polis_export)

DATA = Path(__file__).parent.parent / "data" / "interop"


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def error_of(call, *args, **kwargs) -> ImportFormatError:
    with pytest.raises(ImportFormatError) as info:
        call(*args, **kwargs)
    return info.value


# ---------------------------------------------------------------- kouchou-ai input CSV


def test_utf8_bom_and_cp932_read_the_same():
    bom = parse_kouchou_csv(data("kouchou_utf8_bom.csv"))
    sjis = parse_kouchou_csv(data("kouchou_cp932.csv"))
    assert data("kouchou_utf8_bom.csv").startswith(b"\xef\xbb\xbf")
    assert bom.encoding == "utf-8-sig" and sjis.encoding == "cp932"
    assert bom.comments == sjis.comments
    assert [c.comment_id for c in bom.comments] == ["c1", "c2", "c3"]
    assert bom.comments[2].body == "①～③の案に賛成です"
    # A quoted body over two lines keeps its line break, and the next row knows where it starts.
    assert bom.comments[1].body == "駅前の駐輪場を増やしてください。\r\n特に朝が混みます"
    assert [c.line for c in bom.comments] == [2, 3, 5]
    assert bom.attribute_columns == ("attribute_年代", "地区")
    assert bom.comments[0].attributes == {"attribute_年代": "30代", "地区": "中央区"}


def test_plain_utf8_keeps_bodies_as_written_and_every_other_column():
    result = parse_kouchou_csv(data("kouchou_utf8.csv"))
    assert result.encoding == "utf-8"
    assert result.comments[1].body == "  Buses at night "
    assert result.comments[1].attributes == {"source": "Google Form", "url": "https://example.org/2"}
    assert result.comments[0].attributes["url"] == ""


def test_header_names_are_nfkc_but_bodies_are_not():
    result = parse_kouchou_csv(data("kouchou_fullwidth_header.csv"))
    assert result.columns == ("comment-id", "comment-body")
    assert result.comments[0].body == "全角の見出し"
    body = "ｶﾀｶﾅ と ＡＢＣ"
    again = parse_kouchou_csv(f"ｃｏｍｍｅｎｔ－ｉｄ,comment-body\n１,{body}\n".encode())
    assert again.comments[0].comment_id == "１" and again.comments[0].body == body


def test_cp932_round_trip_of_what_japanese_excel_writes():
    text = "comment-id,comment-body,区\r\n1,髙橋さんの意見：～について\r\n"
    result = parse_kouchou_csv(text.encode("cp932"))
    assert result.encoding == "cp932"
    assert result.comments[0].body == "髙橋さんの意見：～について"
    assert result.comments[0].attributes == {"区": ""}


def test_wrong_header_names_the_missing_column_and_those_found():
    error = error_of(parse_kouchou_csv, data("kouchou_wrong_header.csv"))
    assert error.code == "missing_column" and error.line == 1
    assert str(error) == "列「comment-id」がありません。ファイルにある列：id, comment"


def test_a_refusal_reads_in_english_too(app):
    error = error_of(parse_kouchou_csv, data("kouchou_wrong_header.csv"))
    with force_locale("en"):
        assert str(error) == "The file has no column “comment-id”. Columns found: id, comment."


def test_duplicate_ids_reject_the_file_with_every_line():
    error = error_of(parse_kouchou_csv, data("kouchou_duplicate_ids.csv"))
    assert error.code == "duplicate_id"
    assert error.lines == (4, 5) and error.line == 4
    assert "4, 5" in str(error)


def test_empty_id():
    error = error_of(parse_kouchou_csv, b"comment-id,comment-body\n1,a\n ,b\n")
    assert (error.code, error.lines) == ("empty_id", (3,))


def test_empty_bodies_reject_the_file_with_their_lines():
    error = error_of(parse_kouchou_csv, data("kouchou_empty_body.csv"))
    assert error.code == "empty_body" and error.lines == (3, 4)


def test_blank_lines_are_skipped_but_keep_the_numbering():
    result = parse_kouchou_csv(b"comment-id,comment-body\r\n1,a\r\n\r\n2,b\r\n,\r\n\r\n")
    assert [(c.line, c.comment_id) for c in result.comments] == [(2, "1"), (4, "2")]


def test_limits():
    rows = "".join(f"{i},body {i}\n" for i in range(4))
    error = error_of(parse_kouchou_csv, ("comment-id,comment-body\n" + rows).encode(), max_rows=3)
    assert error.code == "too_many_rows" and error.line == 5
    assert len(parse_kouchou_csv(("comment-id,comment-body\n" + rows).encode(), max_rows=4).comments) == 4
    error = error_of(parse_kouchou_csv, ("comment-id,comment-body\n1,ok\n2," + "あ" * 11 + "\n").encode(), max_body=10)
    assert error.code == "body_too_long" and error.lines == (3,)


def test_empty_files():
    for empty in (b"", b"\xef\xbb\xbf", b"\r\n\r\n"):
        assert error_of(parse_kouchou_csv, empty).code == "empty_file"
    assert error_of(parse_kouchou_csv, b"comment-id,comment-body\r\n").code == "empty_file"


def test_encoding_neither_utf8_nor_cp932():
    assert error_of(parse_kouchou_csv, "comment-id,comment-body\n1,é\n".encode("utf-16")).code == "encoding"
    # A BOM promises UTF-8: Shift_JIS after it is not guessed at.
    assert error_of(parse_kouchou_csv, b"\xef\xbb\xbf" + "comment-id,comment-body\n1,意見\n".encode("cp932")
                    ).code == "encoding"


def test_structure_errors():
    assert error_of(parse_kouchou_csv, b"comment-id,comment-body,comment-id\n1,a,1\n").code == "duplicate_column"
    error = error_of(parse_kouchou_csv, b"comment-id,comment-body\n1,a,b\n2,c\n")
    assert (error.code, error.lines) == ("bad_row", (2,))
    assert error_of(parse_kouchou_csv, b'comment-id,comment-body\n1,"a\n').code == "bad_csv"


def test_short_rows_have_empty_attributes():
    result = parse_kouchou_csv(b"comment-id,comment-body,age\n1,a\n")
    assert result.comments[0].attributes == {"age": ""}


def test_a_message_is_translatable_and_carries_no_comment_text():
    error = error_of(parse_kouchou_csv, "comment-id,comment-body\n1,秘密の意見\n1,別の秘密\n".encode())
    assert "秘密" not in str(error)
    assert hasattr(error.message, "_func")  # a lazy string, translated when shown


# ---------------------------------------------------------------- Polis


def test_polis_export():
    conversation = parse_polis_export(data("polis_comments.csv"), data("polis_participants_votes.csv"))
    # Statement 2 was moderated out (-1): left out, with its votes.
    assert [s.comment_id for s in conversation.statements] == ["0", "1", "3"]
    assert conversation.skipped_statements == ("2",)
    assert conversation.statements[1].body == "Small businesses, not chains, will suffer."
    assert [s.moderated for s in conversation.statements] == [1, 1, 0]
    assert conversation.statements[0].author_id == "0"
    assert conversation.votes == (
        ("0", "0", 1), ("0", "1", 1), ("0", "3", 0),
        ("1", "0", -1), ("1", "1", 1), ("1", "3", -1),
        ("2", "0", 1),
    )
    assert conversation.participant_groups == {"0": "0", "1": "1", "2": ""}


def test_polis_agree_is_plus_one_as_the_counts_say():
    # The file's own n-agree / n-disagree columns count the 1s and the -1s.
    rows = list(csv.DictReader(io.StringIO(data("polis_participants_votes.csv").decode())))
    conversation = parse_polis_export(data("polis_comments.csv"), data("polis_participants_votes.csv"),
                                      skip_moderated_out=False)
    for row in rows:
        mine = [v for p, _, v in conversation.votes if p == row["participant"]]
        assert mine.count(1) == int(row["n-agree"]) and mine.count(-1) == int(row["n-disagree"])
        assert len(mine) == int(row["n-votes"])


def test_polis_moderated_out_kept_on_request():
    conversation = parse_polis_export(data("polis_comments.csv"), data("polis_participants_votes.csv"),
                                      skip_moderated_out=False)
    assert [s.comment_id for s in conversation.statements] == ["0", "1", "2", "3"]
    assert ("1", "2", 1) in conversation.votes and conversation.skipped_statements == ()


def test_polis_xid_column_is_not_a_vote():
    conversation = parse_polis_export(data("polis_comments.csv"), data("polis_votes_xid.csv"))
    assert conversation.votes == (("7", "0", 1), ("7", "1", -1))


def test_polis_missing_column():
    error = error_of(parse_polis_export, data("polis_comments_missing_column.csv"),
                     data("polis_participants_votes.csv"))
    assert error.code == "missing_column" and "「moderated」" in str(error)
    error = error_of(parse_polis_export, data("polis_comments.csv"), b"voter,0\n1,1\n")
    assert error.code == "missing_column" and "「participant」" in str(error)


def test_polis_vote_on_an_unknown_comment():
    error = error_of(parse_polis_export, data("polis_comments.csv"), data("polis_votes_unknown_comment.csv"))
    assert error.code == "unknown_comment" and str(error).endswith("：9")


def test_polis_bad_votes_name_their_lines():
    error = error_of(parse_polis_export, data("polis_comments.csv"), data("polis_votes_bad_value.csv"))
    assert error.code == "bad_vote" and error.lines == (3, 4)


def test_polis_empty_body_only_on_a_moderated_out_statement():
    votes = b"participant,0,1\n0,1,1\n"
    conversation = parse_polis_export(b"comment-id,moderated,comment-body\n0,1,a\n1,-1,\n", votes)
    assert [s.comment_id for s in conversation.statements] == ["0"] and conversation.votes == (("0", "0", 1),)
    error = error_of(parse_polis_export, b"comment-id,moderated,comment-body\n0,1,a\n1,0, \n", votes)
    assert (error.code, error.lines) == ("empty_body", (3,))


def test_polis_bad_moderated_and_duplicates():
    comments = b"comment-id,moderated,comment-body\n0,1,a\n1,2,b\n"
    assert error_of(parse_polis_export, comments, b"participant,0\n").code == "bad_value"
    comments = b"comment-id,moderated,comment-body\n0,1,a\n0,1,b\n"
    assert error_of(parse_polis_export, comments, b"participant,0\n").code == "duplicate_id"
    comments = b"comment-id,moderated,comment-body\n0,1,a\n"
    assert error_of(parse_polis_export, comments, b"participant,0\n5,1\n5,-1\n").code == "duplicate_id"
    assert error_of(parse_polis_export, comments, b"").code == "empty_file"


# ---------------------------------------------------------------- run JSON


def run(groups_reversed: bool = False) -> dict:
    groups = [
        {"key": "1", "parent": None, "label": "交通",
         "members": [{"id": 11, "imported_id": "c2"}, {"id": 10, "imported_id": "c1"}, {"id": 12}]},
        {"key": "1_1", "parent": "1", "label": "駐輪場", "members": [{"id": 12}, {"id": 10, "imported_id": "c1"}]},
        {"key": "2", "parent": None, "label": "公園", "members": [{"id": 13, "imported_id": None}]},
    ]
    coordinates = [{"id": 10, "imported_id": "c1", "x": 0.1234567891, "y": -2.0},
                   {"id": 12, "x": 1.0, "y": 3.5}, {"id": 13, "x": -0.5, "y": 0.0}]
    if groups_reversed:
        groups = [dict(g, members=list(reversed(g["members"]))) for g in reversed(groups)]
        coordinates = list(reversed(coordinates))
    return {"id": 7, "kind": "clustering", "settings": {"k": 2, "seed": 1}, "input_count": 4,
            "versions": {"scikit-learn": "1.5.2", "numpy": "2.1.0"},
            "created_at": datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc), "groups": groups,
            "coordinates": coordinates}


def test_run_json_is_deterministic_and_lists_every_member():
    text = export_run_json(run())
    assert text == export_run_json(run(groups_reversed=True))
    document = json.loads(text)
    assert document["run"] == {"id": 7, "kind": "clustering", "settings": {"k": 2, "seed": 1}, "input_count": 4,
                               "versions": {"numpy": "2.1.0", "scikit-learn": "1.5.2"},
                               "created_at": "2026-12-07T09:00:00Z"}
    groups = {g["key"]: g for g in document["groups"]}
    # Imported ids as strings, our own ids (no import) as integers.
    assert groups["1"]["members"] == [12, "c1", "c2"] and groups["1"]["size"] == 3
    assert groups["1_1"] == {"key": "1_1", "parent": "1", "label": "駐輪場", "size": 2, "members": [12, "c1"]}
    assert groups["2"]["members"] == [13]
    assert document["coordinates"] == [{"comment": 12, "x": 1.0, "y": 3.5}, {"comment": 13, "x": -0.5, "y": 0.0},
                                       {"comment": "c1", "x": 0.123457, "y": -2.0}]
    assert "交通" in text  # readable Japanese, not \u escapes


def test_run_json_naive_time_is_utc_and_bad_input_is_refused():
    r = run()
    r["created_at"] = datetime(2026, 12, 7, 9, 0)
    assert json.loads(export_run_json(r))["run"]["created_at"] == "2026-12-07T09:00:00Z"
    r["groups"][1]["parent"] = "9"
    with pytest.raises(ValueError):
        export_run_json(r)
    r = run()
    r["coordinates"][0]["x"] = float("nan")
    with pytest.raises(ValueError):
        export_run_json(r)


# ---------------------------------------------------------------- kouchou-ai result CSV


def result_rows():
    return [
        {"comment_id": "c1", "original_comment": "=HYPERLINK(\"http://x\")", "arg_id": "A1_0",
         "argument": "+1 賛成", "category_id": "1", "category": "-交通", "x": -0.25, "y": 1.5,
         "attributes": {"年代": "@30代"}},
        {"comment_id": "c2", "original_comment": "\tタブ", "arg_id": "A2_0", "argument": "\r改行",
         "category_id": "2", "category": "公園", "x": 0.5, "y": -1.0, "source": "アンケート",
         "attributes": {"attribute_地区": "東区"}},
    ]


def test_result_csv_has_a_bom_crlf_and_kouchou_columns():
    out = export_kouchou_csv(result_rows())
    assert out.startswith(b"\xef\xbb\xbf")
    text = out[3:].decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(header[:6]) == KOUCHOU_RESULT_COLUMNS
    assert header[6:] == ["x", "y", "source", "attribute_年代", "attribute_地区"]
    assert rows[1][6:] == ["0.5", "-1.0", "アンケート", "", "東区"]


def test_result_csv_formula_guard():
    header, *rows = list(csv.reader(io.StringIO(export_kouchou_csv(result_rows())[3:].decode(), newline="")))
    first, second = rows
    assert first[1] == "'=HYPERLINK(\"http://x\")" and first[3] == "'+1 賛成" and first[5] == "'-交通"
    assert first[header.index("attribute_年代")] == "'@30代"
    assert second[1] == "'\tタブ" and second[3] == "'\r改行"
    # Numbers are ours, not citizen text: a negative coordinate keeps its sign.
    assert first[6] == "-0.25"


def test_result_csv_round_trips_into_the_reader():
    out = export_kouchou_csv([{"comment_id": "1", "original_comment": "意見です", "arg_id": "A1_0",
                               "argument": "論点", "category_id": "1", "category": "交通"}])
    assert out[3:].decode().splitlines()[0] == ",".join(KOUCHOU_RESULT_COLUMNS)
    # Renamed to the input layout, it reads back as the same comment.
    back = parse_kouchou_csv(out.replace(b"original-comment", b"comment-body"))
    assert back.encoding == "utf-8-sig" and back.comments[0].body == "意見です"
    assert back.comments[0].attributes["category"] == "交通"
