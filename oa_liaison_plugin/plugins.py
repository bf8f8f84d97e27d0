"""get_plugin_manager(): built-in plugins, the oa_liaison entry points, then the site hooks folder."""
from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pluggy

from . import hookspecs

PROJECT = "oa_liaison"
hookimpl = pluggy.HookimplMarker(PROJECT)

BUILTIN_PLUGINS = (
    "oa_liaison_plugin.hooks.documents",
    "oa_liaison_plugin.hooks.submissions",
    "oa_liaison_plugin.hooks.meetings",
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
