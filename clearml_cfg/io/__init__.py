"""Files on disk: reading a configuration file safely, locking a directory, and the write transaction that
installs every changed file all or nothing (atomic replace, backup, mode and owner kept)."""
