"""oa-liaison: route issued documents to the counterpart CPPCC committees (南委办〔2017〕1号)."""
from .plugins import get_plugin_manager, hookimpl

__version__ = "0.1.0"
__all__ = ["__version__", "get_plugin_manager", "hookimpl", "create_app"]


def create_app(*args, **kwargs):
    """The Flask application (configuration, database, plugin manager); see :mod:`.app`."""
    from .app import create_app as factory
    return factory(*args, **kwargs)
