"""Hosts connected over HTTP: signed events in (Standard Webhooks + CloudEvents), signed copies out."""
