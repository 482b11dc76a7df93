"""The live runtime: worker processes, the runner a page holds, the pool and placement, replay, Ray actors."""
