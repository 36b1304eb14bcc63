"""GenAI attributes on the span they belong to: request parameters on the response span (the
``response.create`` override winning over the session), and tool spans that link to their
response instead of carrying ``gen_ai.response.id``."""

from __future__ import annotations

from typing import Any

import pytest

from .test_session import created, done, function_call_turn


def beta_session(**config: Any) -> dict[str, Any]:
    return {"type": "session.updated", "session": {"id": "sess_1", "modalities": ["text", "audio"], **config}}


def ga_session(**config: Any) -> dict[str, Any]:
    session = {"type": "realtime", "id": "sess_1", "output_modalities": ["audio"], **config}
    return {"type": "session.updated", "session": session}


def test_session_parameters_on_every_response(make_session, pipeline):
    """Beta session config: temperature, the token limit and the output type on each response."""
    session = make_session()
    session.server_event(beta_session(temperature=0.6, max_response_output_tokens=1024))
    session.server_event(created("resp_1"))
    session.server_event(done("resp_1"))
    session.close()
    (turn,) = pipeline.responses()
    assert turn.attributes["gen_ai.request.temperature"] == 0.6
    assert turn.attributes["gen_ai.request.max_tokens"] == 1024
    assert turn.attributes["gen_ai.output.type"] == "speech"


def test_response_create_overrides_the_session(make_session, pipeline):
    """Per response, the ``response.create`` override wins, parameter by parameter; a later
    VAD-started response is back to the session's."""
    session = make_session()
    session.server_event(ga_session(max_output_tokens=4096))
    session.client_event(
        {"type": "response.create", "response": {"output_modalities": ["text"], "max_output_tokens": 200}}
    )
    session.server_event(created("resp_1"))
    session.server_event(done("resp_1"))
    session.server_event(created("resp_2"))
    session.server_event(done("resp_2"))
    session.close()
    first, second = pipeline.responses()
    assert first.attributes["gen_ai.request.max_tokens"] == 200
    assert first.attributes["gen_ai.output.type"] == "text"
    assert second.attributes["gen_ai.request.max_tokens"] == 4096
    assert second.attributes["gen_ai.output.type"] == "speech"
    assert "gen_ai.request.temperature" not in first.attributes  # GA sessions have none


@pytest.mark.parametrize(
    ("session_limit", "override", "expected"),
    [("inf", None, None), (300, "inf", None), ("inf", 50, 50), (0, None, None), (True, None, None)],
)
def test_unlimited_tokens_are_omitted(make_session, pipeline, session_limit, override, expected):
    """``"inf"`` (the default) sets no ``gen_ai.request.max_tokens``, also when a ``response.create``
    lifts the session's limit; nonsense values are not limits."""
    session = make_session()
    session.server_event(beta_session(max_response_output_tokens=session_limit))
    response = {} if override is None else {"max_response_output_tokens": override}
    session.client_event({"type": "response.create", "response": response})
    session.server_event(created("resp_1"))
    session.server_event(done("resp_1"))
    session.close()
    (turn,) = pipeline.responses()
    assert turn.attributes.get("gen_ai.request.max_tokens") == expected


def test_tool_span_links_to_its_response(make_session, pipeline, clock):
    """A tool span carries no ``gen_ai.response.id`` (a query by response id finds the response
    alone); it links to the response span that asked for the call and names it apart."""
    session = make_session()
    function_call_turn(session, clock, "resp_1", "call_1")
    clock.advance(300)
    session.client_event(
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": "call_1", "output": "{}"},
        }
    )
    session.close()
    (response,) = pipeline.responses()
    (tool,) = pipeline.tools()
    with_id = [s for s in pipeline.spans() if (s.attributes or {}).get("gen_ai.response.id") == "resp_1"]
    assert with_id == [response]
    assert tool.attributes["openai.realtime.tool.response_id"] == "resp_1"
    assert [(link.context.trace_id, link.context.span_id) for link in tool.links] == [
        (response.context.trace_id, response.context.span_id)
    ]


def test_tool_of_an_unseen_response_has_no_link(make_session, pipeline, clock):
    """A function call whose response was never seen (an MCP event alone) gets no dangling link."""
    session = make_session()
    session.server_event(
        {"type": "response.mcp_call.in_progress", "item_id": "mcp_1", "response_id": "resp_x"}
    )
    session.server_event({"type": "response.mcp_call.completed", "item_id": "mcp_1"})
    session.close()
    (tool,) = pipeline.tools()
    assert list(tool.links) == []
