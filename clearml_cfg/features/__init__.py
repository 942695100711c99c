"""One module per command (or group of commands), named as the command: the domain logic each runs, built on
``views``, ``io`` and ``model``. Nothing here prints or prompts: results and errors go back to ``cli``."""
