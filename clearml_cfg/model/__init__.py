"""What the server's configuration is, independent of any file on disk: key paths, where the server looks for
files and how it merges them, the registry of known keys and their rules, secrets and their masking.

Pure functions and data; imports only ``hocon`` and ``errors``.
"""
