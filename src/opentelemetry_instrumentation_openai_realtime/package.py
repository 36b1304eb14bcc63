"""The instrumented libraries and the versions this package supports."""

#: every one of these must be installed: none (see ``_instruments_any``)
_instruments: tuple[str, ...] = ()
#: any one of these is enough: the openai SDK, or a websocket client an app or framework uses
_instruments_any = ("openai >= 1.58", "websockets >= 13", "aiohttp >= 3.9")
_supports_metrics = True
