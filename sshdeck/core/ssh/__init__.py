"""SSH connections: the session manager, logging in, account detection, and the demo server."""
