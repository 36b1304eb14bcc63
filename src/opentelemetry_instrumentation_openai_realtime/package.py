"""The instrumented library and the versions this package supports."""

_instruments = ("openai >= 1.58",)
_supports_metrics = True
