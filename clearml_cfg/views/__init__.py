"""Readings of the configuration: the files' merged tree, the server's effective view (defaults, files,
environment overrides, with the origin of every value), and the environment variables as the server parses them."""
