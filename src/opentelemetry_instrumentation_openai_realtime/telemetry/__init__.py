"""The OpenTelemetry side: names (``semconv``), instruments (``instruments``), and pure builders of
span attributes (``spans``, ``attributes``), metric points (``metrics``), ``braintrust.*``
(``braintrust``), and captured content (``content``, ``redaction``)."""
