"""Screens: the main two-pane screen and modal prompts."""
