"""Site example: append every notification to INSTANCE/notifications.log."""
import datetime as dt
from pathlib import Path

from oa_liaison_plugin import hookimpl


@hookimpl
def notify(liaison, recipient, subject, body):
    path = Path(liaison.app.instance_path) / "notifications.log"
    with path.open("a", encoding="utf-8") as f:
        f.write(f"{dt.datetime.now().isoformat(timespec='seconds')}\t{recipient}\t{subject}\t{body}\n")
