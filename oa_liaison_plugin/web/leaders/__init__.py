"""Liaison leaders (分管领导) of the units: who is named, who is not, the history and the filing report."""
