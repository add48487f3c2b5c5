"""Results: the typed cell record (``record``), the raw per-environment format (``raw``,
with its JSON Schema in data/), its writer (``writer``) and atomic file writes (``files``).
In-environment side: Python 3.7, no TensorFlow."""
