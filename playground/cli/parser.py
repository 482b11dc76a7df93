"""The argument parser of the headless commands (`python -m playground ...`, and the subcommands that
parse their own flags): a bad flag exits with status 2 and one sentence, no usage dump, no traceback."""
from __future__ import annotations

import argparse


class Parser(argparse.ArgumentParser):
    def error(self, message: str):
        self.exit(2, f"error: {message}\n(see: {self.prog} --help)\n")
