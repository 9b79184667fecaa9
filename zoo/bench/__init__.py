"""``zoo bench``: the paradigm x task comparison measured side by side (``run``), FLOP counting
(``flops``)."""
