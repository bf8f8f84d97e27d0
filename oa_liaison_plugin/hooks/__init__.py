"""Built-in hook implementations, one host event per module, registered like any other plugin."""
