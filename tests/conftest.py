import os

# Substitution fixtures read these; set them for every test so results do not depend on the machine.
os.environ["CLEARML_CFG_TEST_NAME"] = "Ada"
os.environ["CLEARML_CFG_TEST_HOME"] = "/home/ada"
os.environ.pop("CLEARML_CFG_TEST_UNSET", None)
