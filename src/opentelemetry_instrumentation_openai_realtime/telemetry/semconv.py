"""Attribute and metric names, in one place.

GenAI names come from ``opentelemetry-semantic-conventions`` when the installed version has them
(older releases lack some); the string values are the stable wire names either way. Names the
GenAI conventions do not define live under the provider namespace ``openai.realtime.*``.
"""

from __future__ import annotations

from typing import Any

_gen_ai: Any
try:  # pragma: no cover - depends on the installed semconv release
    from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as _gen_ai
except ImportError:  # pragma: no cover
    _gen_ai = None


def _name(constant: str, fallback: str) -> str:
    value: Any = getattr(_gen_ai, constant, None)
    return value if isinstance(value, str) else fallback


# --- GenAI semantic conventions -------------------------------------------------------------
GEN_AI_OPERATION_NAME = _name("GEN_AI_OPERATION_NAME", "gen_ai.operation.name")
GEN_AI_PROVIDER_NAME = _name("GEN_AI_PROVIDER_NAME", "gen_ai.provider.name")
GEN_AI_REQUEST_MODEL = _name("GEN_AI_REQUEST_MODEL", "gen_ai.request.model")
GEN_AI_RESPONSE_ID = _name("GEN_AI_RESPONSE_ID", "gen_ai.response.id")
GEN_AI_RESPONSE_FINISH_REASONS = _name("GEN_AI_RESPONSE_FINISH_REASONS", "gen_ai.response.finish_reasons")
GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = _name(
    "GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK", "gen_ai.response.time_to_first_chunk"
)
GEN_AI_CONVERSATION_ID = _name("GEN_AI_CONVERSATION_ID", "gen_ai.conversation.id")
GEN_AI_OUTPUT_TYPE = _name("GEN_AI_OUTPUT_TYPE", "gen_ai.output.type")
GEN_AI_REQUEST_MAX_TOKENS = _name("GEN_AI_REQUEST_MAX_TOKENS", "gen_ai.request.max_tokens")
GEN_AI_REQUEST_TEMPERATURE = _name("GEN_AI_REQUEST_TEMPERATURE", "gen_ai.request.temperature")
GEN_AI_USAGE_INPUT_TOKENS = _name("GEN_AI_USAGE_INPUT_TOKENS", "gen_ai.usage.input_tokens")
GEN_AI_USAGE_OUTPUT_TOKENS = _name("GEN_AI_USAGE_OUTPUT_TOKENS", "gen_ai.usage.output_tokens")
GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = _name(
    "GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS", "gen_ai.usage.cache_read.input_tokens"
)
# Modality breakdowns named by the telemetry contract (not yet in the GenAI conventions).
GEN_AI_USAGE_TEXT_INPUT_TOKENS = "gen_ai.usage.text.input_tokens"
GEN_AI_USAGE_AUDIO_INPUT_TOKENS = "gen_ai.usage.audio.input_tokens"
GEN_AI_USAGE_IMAGE_INPUT_TOKENS = "gen_ai.usage.image.input_tokens"
GEN_AI_USAGE_TEXT_OUTPUT_TOKENS = "gen_ai.usage.text.output_tokens"
GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS = "gen_ai.usage.audio.output_tokens"
GEN_AI_TOKEN_TYPE = _name("GEN_AI_TOKEN_TYPE", "gen_ai.token.type")
GEN_AI_TOOL_NAME = _name("GEN_AI_TOOL_NAME", "gen_ai.tool.name")
GEN_AI_TOOL_CALL_ID = _name("GEN_AI_TOOL_CALL_ID", "gen_ai.tool.call.id")
GEN_AI_TOOL_TYPE = _name("GEN_AI_TOOL_TYPE", "gen_ai.tool.type")
GEN_AI_TOOL_CALL_ARGUMENTS = _name("GEN_AI_TOOL_CALL_ARGUMENTS", "gen_ai.tool.call.arguments")
GEN_AI_TOOL_CALL_RESULT = _name("GEN_AI_TOOL_CALL_RESULT", "gen_ai.tool.call.result")
GEN_AI_SYSTEM_INSTRUCTIONS = _name("GEN_AI_SYSTEM_INSTRUCTIONS", "gen_ai.system_instructions")
GEN_AI_TOOL_DEFINITIONS = _name("GEN_AI_TOOL_DEFINITIONS", "gen_ai.tool.definitions")
GEN_AI_INPUT_MESSAGES = _name("GEN_AI_INPUT_MESSAGES", "gen_ai.input.messages")
GEN_AI_OUTPUT_MESSAGES = _name("GEN_AI_OUTPUT_MESSAGES", "gen_ai.output.messages")
ERROR_TYPE = "error.type"
SERVER_ADDRESS = "server.address"
SERVER_PORT = "server.port"

# Values.
OPERATION_SESSION = "realtime_session"
OPERATION_CHAT = "chat"
OPERATION_EXECUTE_TOOL = "execute_tool"
# Realtime transcription of the user's audio. The GenAI conventions define no operation for it yet
# (a `speech_to_text` operation is proposed); a custom value is allowed where none applies.
OPERATION_TRANSCRIPTION = "speech_to_text"
PROVIDER_OPENAI = "openai"
PROVIDER_AZURE = "azure.ai.openai"

# --- provider namespace: session -----------------------------------------------------------
SESSION_ID = "openai.realtime.session.id"
SESSION_VOICE = "openai.realtime.session.voice"
SESSION_OUTPUT_MODALITIES = "openai.realtime.session.output_modalities"
SESSION_INPUT_AUDIO_FORMAT = "openai.realtime.session.input_audio_format"
SESSION_OUTPUT_AUDIO_FORMAT = "openai.realtime.session.output_audio_format"
SESSION_TURN_DETECTION = "openai.realtime.session.turn_detection"
SESSION_TRANSCRIPTION_MODEL = "openai.realtime.session.transcription_model"
SESSION_API = "openai.realtime.api"  # "ga", "beta" or "translations"
# translation sessions (/v1/realtime/translations)
TRANSLATION_OUTPUT_LANGUAGE = "openai.realtime.translation.output_language"
TRANSLATION_TIME_TO_FIRST_AUDIO = "openai.realtime.translation.time_to_first_audio"
SESSION_STATUS = "openai.realtime.session.status"
SESSION_CLOSE_CODE = "openai.realtime.session.close_code"
SESSION_TURNS_COMPLETED = "openai.realtime.session.turns.completed"
SESSION_TURNS_INTERRUPTED = "openai.realtime.session.turns.interrupted"
SESSION_RESPONSES = "openai.realtime.session.responses"
SESSION_TOOL_CALLS = "openai.realtime.session.tool_calls"
SESSION_ERRORS = "openai.realtime.session.errors"
SESSION_RECONNECTS = "openai.realtime.session.reconnects"
SESSION_AUDIO_IN_SECONDS = "openai.realtime.session.audio.input.seconds"
SESSION_AUDIO_OUT_SECONDS = "openai.realtime.session.audio.output.seconds"
SESSION_CALL = "openai.realtime.session.call"  # a sideband session joined by call id
SESSION_CALL_ID = "openai.realtime.session.call_id"
SESSION_TYPE = "openai.realtime.session.type"  # realtime | transcription
SESSION_TRANSCRIPTIONS = "openai.realtime.session.transcriptions"
SESSION_TRANSCRIPTION_INPUT_TOKENS = "openai.realtime.session.transcription.usage.input_tokens"
SESSION_TRANSCRIPTION_OUTPUT_TOKENS = "openai.realtime.session.transcription.usage.output_tokens"
SESSION_TRANSCRIPTION_SECONDS = "openai.realtime.session.transcription.usage.seconds"

# --- provider namespace: response ----------------------------------------------------------
RESPONSE_STATUS = "openai.realtime.response.status"
RESPONSE_STATUS_REASON = "openai.realtime.response.status_reason"
RESPONSE_INTERRUPTED = "openai.realtime.response.interrupted"
RESPONSE_OUT_OF_BAND = "openai.realtime.response.out_of_band"
RESPONSE_TRIGGER = "openai.realtime.response.trigger"  # client | server_vad | unknown
RESPONSE_VOICE_TO_VOICE = "openai.realtime.response.voice_to_voice_latency"
RESPONSE_TIME_TO_FIRST_AUDIO = "openai.realtime.response.time_to_first_audio"
RESPONSE_AUDIO_GENERATED_SECONDS = "openai.realtime.response.audio.generated_seconds"
RESPONSE_AUDIO_HEARD_SECONDS = "openai.realtime.response.audio.heard_seconds"
# calls (WebRTC/SIP, sideband): the server played the audio (output_audio_buffer.*)
RESPONSE_AUDIO_PLAYED_SECONDS = "openai.realtime.response.audio.played_seconds"
RESPONSE_PLAYBACK_STATUS = "openai.realtime.response.playback.status"  # completed | interrupted | cancelled
RESPONSE_INPUT_SPEECH_SECONDS = "openai.realtime.response.input.speech_seconds"
RESPONSE_INPUT_ITEM_ID = "openai.realtime.response.input.item_id"
RESPONSE_INPUT_TRANSCRIPTION_STATUS = "openai.realtime.response.input.transcription_status"
RESPONSE_TOOL_CALLS = "openai.realtime.response.tool_calls"
RESPONSE_OUTPUT_ITEM_COUNT = "openai.realtime.response.output_items"
# the transcription of the user's audio a response answers: another model, billed apart (never
# added to the response's gen_ai.usage.*)
RESPONSE_INPUT_TRANSCRIPTION_MODEL = "openai.realtime.response.input.transcription.model"
RESPONSE_INPUT_TRANSCRIPTION_INPUT_TOKENS = "openai.realtime.response.input.transcription.usage.input_tokens"
RESPONSE_INPUT_TRANSCRIPTION_OUTPUT_TOKENS = (
    "openai.realtime.response.input.transcription.usage.output_tokens"
)
RESPONSE_INPUT_TRANSCRIPTION_AUDIO_TOKENS = (
    "openai.realtime.response.input.transcription.usage.audio.input_tokens"
)
RESPONSE_INPUT_TRANSCRIPTION_TEXT_TOKENS = (
    "openai.realtime.response.input.transcription.usage.text.input_tokens"
)
RESPONSE_INPUT_TRANSCRIPTION_SECONDS = "openai.realtime.response.input.transcription.usage.seconds"

# --- provider namespace: transcription (speech_to_text spans) -------------------------------
ITEM_ID = "openai.realtime.item.id"
TRANSCRIPTION_STATUS = "openai.realtime.transcription.status"
TRANSCRIPTION_SECONDS = "openai.realtime.transcription.usage.seconds"
TRANSCRIPTION_TIME_TO_COMPLETION = "openai.realtime.transcription.time_to_completion"

# --- provider namespace: tool --------------------------------------------------------------
TOOL_SERVER_LABEL = "openai.realtime.tool.server_label"
TOOL_RESPONSE_ID = "openai.realtime.tool.response_id"  # the response that asked for the call

# --- span events ---------------------------------------------------------------------------
EVENT_ERROR = "openai.realtime.error"
EVENT_RECONNECT = "openai.realtime.reconnect"
EVENT_SPEECH_STARTED = "openai.realtime.speech_started"
EVENT_TRUNCATED = "openai.realtime.truncated"
EVENT_TRANSCRIPTION_FAILED = "openai.realtime.input_transcription.failed"
EVENT_ERROR_CODE = "openai.realtime.error.code"
EVENT_ERROR_MESSAGE = "openai.realtime.error.message"
EVENT_ERROR_PARAM = "openai.realtime.error.param"
EVENT_ERROR_EVENT_ID = "openai.realtime.error.event_id"
EVENT_RECONNECT_ATTEMPT = "openai.realtime.reconnect.attempt"
EVENT_TRUNCATED_RESPONSE_ID = "openai.realtime.truncated.response_id"

# --- Braintrust ----------------------------------------------------------------------------
BT_SPAN_ATTRIBUTES = "braintrust.span_attributes"
BT_METADATA = "braintrust.metadata"
BT_METRICS = "braintrust.metrics"
BT_INPUT_JSON = "braintrust.input_json"
BT_OUTPUT_JSON = "braintrust.output_json"

# --- metrics -------------------------------------------------------------------------------
METRIC_TOKEN_USAGE = "gen_ai.client.token.usage"
METRIC_OPERATION_DURATION = "gen_ai.client.operation.duration"
METRIC_TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk"
METRIC_VOICE_TO_VOICE = "openai.realtime.client.voice_to_voice_latency"
METRIC_TOOL_DURATION = "openai.realtime.client.tool.duration"
METRIC_INTERRUPTIONS = "openai.realtime.client.interruptions"
METRIC_SESSION_DURATION = "openai.realtime.client.session.duration"
METRIC_TRANSCRIPTION_AUDIO = "openai.realtime.client.transcription.billed_audio"
