"""sshdeck's Textual interface: screens, widgets and their .tcss styles."""
