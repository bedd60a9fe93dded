"""The anywidget classes: they present and forward, nothing more (see docs/architecture.md)."""
