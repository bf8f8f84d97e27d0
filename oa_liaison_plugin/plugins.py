"""get_plugin_manager(): built-in plugins, the oa_liaison entry points, then the site hooks folder."""
from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pluggy

from . import hookspecs

PROJECT = "oa_liaison"
hookimpl = pluggy.HookimplMarker(PROJECT)

BUILTIN_PLUGINS = (
    "oa_liaison_plugin.decision.hooks",
    "oa_liaison_plugin.replies.hooks",
    "oa_liaison_plugin.meetings.hooks",
    "oa_liaison_plugin.http.hooks",
    "oa_liaison_plugin.meetings.compliance",   # reminder passes, each feature's own
    "oa_liaison_plugin.replies.remind",
)


def load_site_hooks(pm: pluggy.PluginManager, hooks_dir: str | Path | None) -> list[str]:
    """Register every ``*.py`` file of a site hooks folder, in name order; returns their names."""
    loaded = []
    if not hooks_dir or not Path(hooks_dir).is_dir():
        return loaded
    for path in sorted(Path(hooks_dir).glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = f"oa_liaison_site_hooks.{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        pm.register(module, name=f"site:{path.name}")
        loaded.append(path.name)
    return loaded


def get_plugin_manager(hooks_dir: str | Path | None = None) -> pluggy.PluginManager:
    """A plugin manager with every hook source registered; a misspelled hook fails here, loudly."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    pm.load_setuptools_entrypoints(PROJECT)
    load_site_hooks(pm, hooks_dir)
    pm.check_pending()
    return pm


@dataclass
class Called:
    """What one hook call gave: each implementation's non-None result by plugin name, and each failure."""
    results: list[tuple[str, object]] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def first(self):
        """The first non-None result (a firstresult hook's answer), or None."""
        return self.results[0][1] if self.results else None

    def of(self, plugin_name: str):
        """The result of one plugin, or None."""
        return next((r for name, r in self.results if name == plugin_name), None)

    def values(self) -> list:
        return [r for _, r in self.results]


def call(pm: pluggy.PluginManager, name: str, **kwargs) -> Called:
    """Call every implementation of a hook in pluggy's order; an exception is kept in ``errors``, the others run.

    The one way oa-liaison calls a hook: a failing plugin can neither stop the others nor the caller.
    A ``firstresult`` hook stops at the first non-None result, as pluggy does. The caller decides what
    a failure means (a decision holds the document; a notification records it and goes on).
    """
    hook = getattr(pm.hook, name)
    first = bool(hook.spec and hook.spec.opts.get("firstresult"))
    impls = hook.get_hookimpls()
    out = Called()
    if any(i.hookwrapper or i.wrapper for i in impls):
        # Wrappers need pluggy's own call loop: then the call is one unit, and one failure fails it.
        try:
            result = hook(**kwargs)
        except Exception as exc:
            out.errors.append(_failure(name, "(wrapped)", exc))
            return out
        out.results = [("(wrapped)", r) for r in ([result] if first else result) if r is not None]
        return out
    for impl in reversed(impls):   # pluggy calls the last registered (and tryfirst) implementations first
        # pluggy's public subset caller, narrowed to this one implementation: argument selection and call
        # tracing (add_hookcall_monitoring) work as for any pluggy call.
        one = pm.subset_hook_caller(name, [i.plugin for i in impls if i is not impl])
        try:
            result = one(**kwargs)
        except Exception as exc:
            out.errors.append(_failure(name, impl.plugin_name, exc))
            continue
        if not first:
            result = result[0] if result else None
        if result is not None:
            out.results.append((impl.plugin_name, result))
            if first:
                break
    return out


def _failure(hook: str, plugin: str, exc: Exception) -> dict:
    return {"hook": hook, "plugin": plugin, "error": f"{type(exc).__name__}: {exc}"[:1000],
            "text": f"插件 {plugin} 的 {hook} 出错：{type(exc).__name__}: {exc}"[:500]}
