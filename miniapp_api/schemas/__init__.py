"""Pydantic models for requests and responses: one source for validation and the OpenAPI document."""
