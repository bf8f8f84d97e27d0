"""plugins.call: each implementation on its own, in pluggy's order, through pluggy's public API only."""
from __future__ import annotations

import ast
import inspect

from oa_liaison_plugin import get_plugin_manager, hookimpl, plugins


class Says:
    """A draft_context and fetch_document_file plugin that answers with its name (or raises)."""

    def __init__(self, name, fails=False):
        self.name, self.fails = name, fails

    @hookimpl
    def draft_context(self, kind, context):
        if self.fails:
            raise RuntimeError(f"{self.name} broke")
        return {"by": self.name}

    @hookimpl
    def fetch_document_file(self, document_id):
        if self.fails:
            raise RuntimeError(f"{self.name} broke")
        return self.name.encode()


def _manager(*plugs):
    pm = get_plugin_manager()
    for p in plugs:
        pm.register(p, name=p.name)
    return pm


def test_call_uses_no_private_pluggy_name():
    tree = ast.parse(inspect.getsource(plugins))
    private = sorted({node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                      and node.attr.startswith("_") and not node.attr.startswith("__")})
    assert private == [], f"plugins.py reaches into pluggy's private API: {private}"


def test_each_implementation_runs_on_its_own_in_pluggys_order_and_is_traced():
    a, broken, c = Says("a"), Says("broken", fails=True), Says("c")
    pm = _manager(a, broken, c)
    traced = []
    pm.add_hookcall_monitoring(lambda name, impls, kw: traced.append((name, [i.plugin_name for i in impls])),
                               lambda outcome, name, impls, kw: None)
    called = plugins.call(pm, "draft_context", liaison=None, kind="reply", context={})
    assert called.results == [("c", {"by": "c"}), ("a", {"by": "a"})]      # newest registered first, as pluggy
    assert [(e["plugin"], e["error"]) for e in called.errors] == [("broken", "RuntimeError: broken broke")]
    ours = [names for name, names in traced if name == "draft_context"]
    assert ours == [["c"], ["broken"], ["a"]]                              # one traced call per implementation
    pm.unregister(broken)
    assert [r["by"] for r in pm.hook.draft_context(liaison=None, kind="reply", context={})] == ["c", "a"]


def test_a_firstresult_hook_stops_at_the_first_answer_after_a_failure():
    pm = _manager(Says("a"), Says("b"), Says("broken", fails=True))
    called = plugins.call(pm, "fetch_document_file", liaison=None, document_id="x")
    assert called.first() == b"b" and called.results == [("b", b"b")]
    assert [e["plugin"] for e in called.errors] == ["broken"]
