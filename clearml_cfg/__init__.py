"""clearml-cfg: manage the configuration of a self-hosted ClearML Server."""

__version__ = "0.1.0"
