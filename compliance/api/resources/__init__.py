"""One module per API resource; each adds its routes to the API blueprint and describes them.

A resource module defines its views on `compliance.api.core.bp` (GET only, each wearing
`@api_requires(permission)`) and two dicts for the OpenAPI document:
    PATHS    {"/api/v1/things": {"get": {...}}}
    SCHEMAS  {"Thing": {...JSON Schema...}}
Plugging in a new resource is one module here and one name in RESOURCES below.
"""

from compliance.api.resources import documents, equipment, findings, methods, people

RESOURCES = (documents, people, equipment, methods, findings)
