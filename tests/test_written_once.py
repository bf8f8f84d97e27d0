"""Rules written once: Chinese numerals both ways, the walk over a unit and its sub-units, atomic writes."""
from __future__ import annotations

import datetime

from oa_liaison_plugin.files import write_atomic
from oa_liaison_plugin.numerals import cn_number, cn_value
from oa_liaison_plugin.table.units import children_map, up, walk


def test_chinese_numerals_round_trip_for_headings_and_dates():
    assert [cn_number(n) for n in (1, 10, 12, 20, 21)] == ["一", "十", "十二", "二十", "二十一"]
    assert all(cn_value(cn_number(n)) == n for n in range(1, 100))
    assert cn_value("二〇一七") == cn_value("二○一七") == cn_value("二零一七") == 2017 and cn_value("05") == 5


def test_the_reader_and_the_drafts_share_the_numerals():
    from oa_liaison_plugin.documents import drafts, gbt9704, read
    assert read._cn_number is cn_value and drafts.cn_number is cn_number
    assert not hasattr(gbt9704, "cn_number")
    assert read.extract_facts(["关于某事的通知", "正文。", "南部县教育局", "二〇一七年十二月二十一日"]).issued_on \
        == datetime.date(2017, 12, 21)


def test_submission_kinds_are_one_table():
    from oa_liaison_plugin.documents import drafts
    from oa_liaison_plugin.events import SUBMISSION_KINDS
    from oa_liaison_plugin.inputs.events import SubmissionReceived   # the hook, the CLI, the panel and the API
    allowed = SubmissionReceived.model_json_schema()["properties"]["kind"]["enum"]
    assert drafts.KINDS is SUBMISSION_KINDS and allowed == list(SUBMISSION_KINDS)


def test_walk_gives_each_unit_once_with_its_depth_even_through_a_cycle():
    kids = children_map([(2, 1), (3, 2), (4, 1), (1, 3)])  # 1 → 2 → 3 → 1 (bad data), 1 → 4
    assert list(walk([1], lambda n: kids.get(n, ()))) == [(1, 0), (2, 1), (3, 2), (4, 1)]
    parent = {3: 2, 2: 1, 1: 3}
    assert list(up(3, parent.get)) == [3, 2, 1]


def test_atomic_write_replaces_whole_and_leaves_no_temporary_file(tmp_path):
    out = tmp_path / "table.json"
    out.write_bytes(b"old")
    write_atomic(out, b"new")
    assert out.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["table.json"]
