"""The panel page for hosts connected over HTTP."""
