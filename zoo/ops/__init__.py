"""Tensor operations shared by heads, losses and metrics (no Lightning, no tasks): ``spans``
(1-D temporal windows), ``memory`` (how freed tensor memory leaves the process)."""
