"""Content-rule engine: 10,000 rules on a 5,000-character document, compiled RuleSet vs a naive per-rule loop.

Rules: 82 % any (1-4 terms), 15 % all (2-3 terms), 3 % exact on doc_type, 0.5 % negated; terms are 2-6
Chinese characters, a share (--phrase-rate) cut from real official prose, the rest random characters of it.
Documents are that prose reshuffled, so real phrases recur. Both engines must return the same rule ids.
--phrase-rate 0.2 is a stress case (about 1 in 6 rules fires on every document).

Run:  .venv/bin/python benchmarks/bench_rules.py [--rules N] [--chars N] [--docs N] [--phrase-rate 0.01]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a clone without installing

from oa_liaison_plugin.decision.rules import RuleSet, key

# Real official prose (南委办〔2017〕1号, sections 二 and 三) so terms and text share real bigrams.
CORPUS = """贯彻落实中国共产党的路线、方针、政策和国家法律、法规的方案、措施；贯彻县委、县政府的重大决策、重要规划、
计划、方案和措施；县级各部门有关政治、经济、教育、科技、文化、卫生、城建、环保等体制改革的实施方案、意见；有关社会民生
的突出问题；民主和法制建设的重要事项；物质文明建设、精神文明建设、政治文明建设、生态文明建设的重大措施；有关党政机关密切
联系群众，加强党风廉政建设的状况和问题；统一战线内部关系中的重大问题和其他需要协商的重要问题。除经常性的联系协商外，当年
需要专题协商的内容、项目，原则上在每年初召开的对口部门负责人联系会上议定。县级各部门召开涉及全局性的工作会议和有关专题会议，
应邀请县政协对口专门委员会负责人和本部门的县政协委员参加；县政协各专门委员会召开的重要会议，应邀请有关的县级部门负责人参加。
县级各部门对县政协及其专门委员会组织的考察、调研、视察活动应给予积极支持和协助，热情接待，如实介绍情况，并力所能及地解决
活动中的一些实际问题；县政协及其专门委员会在组织这些活动时，应与县级有关部门取得联系。县政府及其所属工作部门组织的廉政、
财政、税收、国土、物价等检查活动和对重大案件的查处等，应邀请县政协有关专门委员会负责人或委员参加。县政府及其所属工作部门
对县政协及其各专门委员会送交的调研报告和委员会书面提出的提案、建言献策、社情民意等意见建议，要认真研究办理，并及时作出
答复。县级各部门印发的有关重要文件、资料和提请人大常委会审议的有关报告材料，应抄送县政协各相关专门委员会参阅，对一些重大
事项、重大问题，要进行协商并征求相关专门委员会的意见；县政协各专门委员会所形成的调查报告、重要资料也应送对口党政部门参阅。
一年至少召开两次对口单位负责人联系会，互通信息，交换意见，议定当年需要联系协商和调查研究的内容，及有关问题。""".replace("\n", "")
DOC_TYPES = ["决定", "意见", "通知", "通报", "报告", "请示", "批复", "函", "纪要", "议案", "决议", "公告", "通告", "命令", "公报"]
ACTIONS = ["npc", "important", "exclude", "major", "committee", "hold"]


def make_rules(n: int, rnd: random.Random, phrase_rate: float = 0.01) -> list[dict]:
    chars = sorted({c for c in CORPUS if "\u4e00" <= c <= "\u9fff"})

    def term() -> str:
        k = rnd.randint(2, 6)
        if rnd.random() < phrase_rate:  # a phrase that really occurs in the documents
            i = rnd.randrange(len(CORPUS) - k)
            return CORPUS[i:i + k]
        return "".join(rnd.choice(chars) for _ in range(k))  # plausible characters, rarely a real phrase

    rules = []
    for i in range(n):
        kind = rnd.random()
        rule = {"id": f"r{i}", "name": f"规则{i}", "action": rnd.choice(ACTIONS[:5]),
                "order": rnd.randint(0, 1000),
                "negate": rnd.random() < 0.005}
        if kind < 0.03:
            rule.update(match="exact", fields=["doc_type"], terms=rnd.sample(DOC_TYPES, rnd.randint(1, 3)))
        elif kind < 0.18:
            rule.update(match="all", fields=rnd.choice([["title"], ["title", "body"]]),
                        terms=[term() for _ in range(rnd.randint(2, 3))])
        else:
            fields = rnd.choice([["title"], ["body"], ["title", "body"], ["recipients"]])
            rule.update(match="any", fields=fields,
                        terms=[term() for _ in range(rnd.randint(1, 4))])
        if rule["action"] == "committee":
            rule["committee"] = "教科文卫体委员会"
        rules.append(rule)
    return rules


def make_doc(chars: int, rnd: random.Random) -> dict:
    sentences = [s for s in CORPUS.replace("；", "。").split("。") if s]
    body = ""
    while len(body) < chars:
        body += rnd.choice(sentences) + "。"
    return {"title": "县教育局关于提请县人大常委会审议" + rnd.choice(sentences)[:20] + "的报告",
            "body": body[:chars], "doc_type": rnd.choice(DOC_TYPES),
            "recipients": ["县人大常委会", "县政协教科文卫体委员会"], "issuer": "县教育局"}


def prepare_naive(rules: list[dict]) -> list[dict]:
    """The naive engine's one-time set-up, kept out of the timing: sort by order, normalise the terms."""
    ordered = [r for _, r in sorted(enumerate(rules), key=lambda t: (t[1]["order"], t[0]))]
    return [{**r, "terms": [key(t) for t in r["terms"]]} for r in ordered]


def naive(rules: list[dict], doc: dict) -> list[str]:
    """The obvious engine: for each rule, for each term, `term in text`. Returns firing rule ids in order."""
    text = {f: "\n".join(key(x) for x in v) if isinstance(v, list) else key(v) for f, v in doc.items()}
    exact = {f: {key(x) for x in v} if isinstance(v, list) else {key(v)} for f, v in doc.items()}
    fired = []
    for r in rules:
        if r["match"] == "exact":
            ok = any(t in exact[f] for t in r["terms"] for f in r["fields"])
        elif r["match"] == "all":
            ok = all(any(t in text[f] for f in r["fields"]) for t in r["terms"])
        else:
            ok = any(t in text[f] for t in r["terms"] for f in r["fields"])
        if ok != r["negate"]:
            fired.append(r["id"])
    return fired


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", type=int, default=10_000)
    ap.add_argument("--chars", type=int, default=5_000)
    ap.add_argument("--docs", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--phrase-rate", type=float, default=0.01,
                    help="share of terms that are real phrases of the documents (the rest rarely occur)")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    rules = make_rules(args.rules, rnd, args.phrase_rate)
    docs = [make_doc(args.chars, rnd) for _ in range(args.docs)]

    t0 = time.perf_counter()
    ruleset = RuleSet.compile(rules)
    compile_s = time.perf_counter() - t0
    ordered = prepare_naive(rules)

    fast, slow = [], []
    got = []
    for doc in docs:  # each engine in its own loop, so neither evicts the other's caches
        t0 = time.perf_counter()
        got.append(ruleset.evaluate(doc))
        fast.append(time.perf_counter() - t0)
    for doc, hits in zip(docs, got):
        t0 = time.perf_counter()
        want = naive(ordered, doc)
        slow.append(time.perf_counter() - t0)
        assert [h.rule_id for h in hits] == want, "compiled and naive engines disagree"
    hits = [len(h) for h in got]

    f_ms, s_ms = statistics.median(fast) * 1e3, statistics.median(slow) * 1e3
    print(f"rules={args.rules} chars/doc={args.chars} docs={args.docs} phrase-rate={args.phrase_rate:g} "
          f"median hits/doc={statistics.median(hits):g}")
    print(f"compile (once):          {compile_s * 1e3:9.1f} ms")
    p90 = sorted(fast)[int(0.9 * len(fast))] * 1e3
    print(f"RuleSet.evaluate median: {f_ms:9.3f} ms/doc   (p90 {p90:.3f} ms)")
    print(f"naive per-rule median:   {s_ms:9.3f} ms/doc")
    print(f"speed-up:                {s_ms / f_ms:9.1f} x")


if __name__ == "__main__":
    main()
