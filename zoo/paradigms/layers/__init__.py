"""Building blocks the paradigms share (not paradigms themselves): the frame-wise encoder, AIM and
ST-Adapter modules, the temporal transformer."""
