"""Routing: the counterpart table, unit-name resolution, qualification and content rules."""
