"""The command line: `python -m playground train | compare | sweep | list | ...`."""
