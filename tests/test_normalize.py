"""normalize(): the fast two-pass fold equals the plain per-character definition, for every code point."""
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from oa_liaison_plugin.decision.normalize import name_key, normalize

EXTRA = dict(zip("〔〕［］【】〈〉《》“”‘’、，。．—–－", "[][][]<><>\"\"'',,..---"))
SPACES = set("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)}
DROPPED = {chr(c) for c in [*range(0x09), *range(0x0E, 0x1C), 0x7F, *range(0x200B, 0x2010), 0x2028, 0x2029, 0xFEFF]}
FOLDED_PLANES = [(0x1D400, 0x1D800), (0x1F100, 0x1F300), (0x2F800, 0x2FA20)]


def reference(text: str) -> str:
    """The definition, written the slow and obvious way."""
    out = []
    for c in text:
        cp = ord(c)
        if c in SPACES:
            out.append(" ")
        elif c in DROPPED:
            out.append("")
        elif cp < 0x10000 or any(lo <= cp < hi for lo, hi in FOLDED_PLANES):
            out.append("".join(EXTRA.get(x, x) for x in unicodedata.normalize("NFKC", c)).lower()
                       if not 0xD800 <= cp <= 0xDFFF else c)
        else:
            out.append(c)
    s = "".join(out)
    while "  " in s:
        s = s.replace("  ", " ")
    return s.strip()


def test_every_code_point_folds_as_defined():
    wrong = [hex(cp) for cp in range(0x110000)
             if normalize(f"甲{chr(cp)}乙") != reference(f"甲{chr(cp)}乙")]
    assert wrong == []


MIXED = list("南部县教育局ＡＢＣａｂ１２３ABC，。、：；（）“”《》〔〕【】\n\t\u3000 —－\u200b\ufeff"
             "\U0001D400\U0001F130\U0002F800\U00020000㈠①Ⅻ")


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(MIXED), max_size=60))
def test_mixed_text_folds_as_defined(text):
    assert normalize(text) == reference(text)


def test_official_text():
    assert normalize("南教发〔２０１７〕１２号，关于《方案》的通知。") == "南教发[2017]12号,关于<方案>的通知."
    assert name_key(" 南部县\u3000教育局\n") == "南部县教育局"
    assert normalize("第一行\n\n第二行\t（附件）") == "第一行 第二行 (附件)"


def test_as_written_maps_a_normalised_span_back_to_the_text():
    from oa_liaison_plugin.decision.normalize import as_written
    text = "  关于印发《南部县工作方案》的通知　 （试行）"
    folded = normalize(text)
    start = folded.index("方案")
    assert as_written(text, start, len(folded)) == "方案》的通知　 （试行）"
    assert as_written(text, 0, 4) == "关于印发"
