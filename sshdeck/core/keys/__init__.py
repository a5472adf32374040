"""Keys: the authorized_keys manager and local key generation (no Textual)."""
