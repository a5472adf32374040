"""Widgets: the file pane and its parts."""
