"""Readers of other annotation formats."""
