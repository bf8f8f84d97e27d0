"""Site example: documents on 乡村振兴 also go to the 农村经济委员会, whoever issues them."""
from oa_liaison_plugin import hookimpl

TERMS = ("乡村振兴", "农村人居环境")


@hookimpl
def extra_recipients(liaison, document, committees):
    title = document.get("title") or "" if isinstance(document, dict) else ""
    return ["农村经济委员会"] if any(t in title for t in TERMS) else []
