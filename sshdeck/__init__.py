"""sshdeck: a terminal file and session manager for SSH/SFTP."""

__version__ = "0.1.0"
