"""`python -m playground add-data FILE...`: validate your own 28×28 images and add them to the upload
cache, as the MNIST page's upload does (datasets/upload.py)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from ..datasets.upload import ACCEPTED, LABEL_NAME_TEXT, LABEL_NAMES, UploadError, cache_dir, read_upload, save_upload
from ..errors import ConfigError
from .parser import Parser


def main(argv: Sequence[str]) -> int:
    """Validate files and add them to the upload cache; print the dataset name to train on."""
    p = Parser(prog="python -m playground add-data",
               description="Add your own 28×28 images to the upload cache (as the MNIST page's upload does) "
                           "and print the dataset name to train on.")
    p.add_argument("files", nargs="+", help=ACCEPTED)
    p.add_argument("--labels", choices=list(LABEL_NAMES), default="digits",
                   help="names of the classes 0–9: " + "; ".join(f"{k}: {v}" for k, v in LABEL_NAME_TEXT.items()))
    args = p.parse_args(list(argv))
    try:
        files = []
        for f in args.files:
            try:
                files.append((Path(f).name, Path(f).read_bytes()))
            except OSError as e:
                raise UploadError(f"Cannot read {f}: {e.strerror or e}.") from None
        up = read_upload(files)
        name = save_upload(up, args.labels)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{name}\n{up.summary()}, stored in {cache_dir()}.\n"
          f"Train on it: python -m playground train --dataset {name}")
    return 0
