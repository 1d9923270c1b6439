"""Schemathesis hooks for Vigil's API, loaded through SCHEMATHESIS_HOOKS by scripts/fuzz.ts."""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    """Batch routes take NDJSON as well as a JSON array: one JSON document per line."""
    if isinstance(value, bytes):
        return {"data": value}
    items = value if isinstance(value, list) else [value]
    lines = "\n".join(json.dumps(item, ensure_ascii=False) for item in items)
    return {"data": lines.encode("utf-8")}
