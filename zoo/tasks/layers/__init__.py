"""Building blocks the task heads share (not tasks themselves): the caption decoder and its
decoding strategies."""
