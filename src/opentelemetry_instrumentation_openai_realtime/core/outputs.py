"""A response's output items: messages (their text, kept with content capture) and function
calls (handed to the tool tracker once their arguments are complete)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .records import Output, Response
from .shared import Shared
from .values import as_mapping, as_str, message_text

if TYPE_CHECKING:
    from .tools import Tools
    from .turns import Turns


def output_of(response: Response, item_id: str, type_: str = "message") -> Output:
    """The response's output item with this id, added (of ``type_``) when new."""
    output = response.outputs.get(item_id)
    if output is None:
        output = response.outputs[item_id] = Output(item_id, type_)
    return output


class Outputs:
    """Output items and their text, for every response of the session."""

    # peers, wired by the session
    turns: Turns
    tools: Tools

    def __init__(self, shared: Shared) -> None:
        self._s = shared

    def on_item(self, event: dict[str, Any], now: int) -> None:
        """``response.output_item.added`` / ``.done``."""
        response_id = as_str(event.get("response_id"))
        item = as_mapping(event.get("item"))
        item_id = as_str(item.get("id"))
        if not response_id or not item_id:
            return
        response = self.turns.response_for(response_id, now)
        output = response.outputs.get(item_id)
        if output is None:
            output = response.outputs[item_id] = Output(item_id, as_str(item.get("type")) or "message")
        else:
            output.type = as_str(item.get("type")) or output.type
        output.name = as_str(item.get("name")) or output.name
        output.call_id = as_str(item.get("call_id")) or output.call_id
        output.server_label = as_str(item.get("server_label")) or output.server_label
        if isinstance(item.get("arguments"), str) and item["arguments"]:
            output.arguments = item["arguments"]
        if (
            output.type == "function_call"
            and output.call_id
            and event.get("type") == "response.output_item.done"
        ):
            self.tools.register(output, response, now)

    def chunk(self, response_id: str, now: int) -> None:
        """A text or arguments delta whose text is not kept: only the response's first chunk."""
        response = self.turns.responses.get(response_id) or self.turns.response_for(response_id, now)
        if response.first_chunk_at is None:
            response.first_chunk_at = now

    def on_text_delta(self, event: dict[str, Any], now: int) -> None:
        """A transcript, text or arguments delta (parsed, or read by the decoder)."""
        response_id = as_str(event.get("response_id"))
        if not response_id:
            return
        response = self.turns.response_for(response_id, now)
        if response.first_chunk_at is None:
            response.first_chunk_at = now
        if not self._s.capture or event.get("type", "").startswith("response.function_call"):
            return
        delta = event.get("delta")
        item_id = as_str(event.get("item_id"))
        if not isinstance(delta, str) or not item_id:
            return
        if response.text_length >= self._s.store_limit:
            return
        self.add_text(response, output_of(response, item_id), delta)

    def add_text(self, response: Response, output: Output, text: str) -> None:
        """Keep a delta's text (content capture), up to the session's store limit."""
        if response.text_length >= self._s.store_limit:
            return
        if output.text is None:
            output.text = []
        output.text.append(text)
        response.text_length += len(text)

    def on_text_done(self, event: dict[str, Any], now: int) -> None:
        """A finished text or transcript: the whole text replaces the accumulated deltas."""
        if not self._s.capture:
            return
        response = self.turns.responses.get(as_str(event.get("response_id")) or "")
        item_id = as_str(event.get("item_id"))
        text = event.get("text", event.get("transcript"))
        if response is None or not item_id or not isinstance(text, str):
            return
        output_of(response, item_id).text = [text]

    def on_arguments_done(self, event: dict[str, Any], now: int) -> None:
        response_id = as_str(event.get("response_id"))
        item_id = as_str(event.get("item_id"))
        call_id = as_str(event.get("call_id"))
        if not response_id or not item_id:
            return
        response = self.turns.response_for(response_id, now)
        output = output_of(response, item_id, "function_call")
        output.type = "function_call"
        output.call_id = call_id or output.call_id
        output.name = as_str(event.get("name")) or output.name
        if isinstance(event.get("arguments"), str):
            output.arguments = event["arguments"]
        self.tools.register(output, response, now)

    def from_done(self, response: Response, items: Any, now: int) -> None:
        """The output items a ``response.done`` lists: what the deltas did not say."""
        capture = self._s.capture
        for raw in items if isinstance(items, list) else ():
            item = as_mapping(raw)
            item_id = as_str(item.get("id"))
            if not item_id:
                continue
            output = output_of(response, item_id, as_str(item.get("type")) or "message")
            output.type = as_str(item.get("type")) or output.type
            output.name = output.name or as_str(item.get("name"))
            output.call_id = output.call_id or as_str(item.get("call_id"))
            if output.arguments is None and isinstance(item.get("arguments"), str):
                output.arguments = item["arguments"]
            if capture and output.text is None and output.type == "message":
                text = message_text(item.get("content"))
                if text:
                    output.text = [text]
            if output.type == "function_call" and output.call_id:
                self.tools.register(output, response, now)
