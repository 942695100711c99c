import sys

from clearml_cfg.cli import main

sys.exit(main())
