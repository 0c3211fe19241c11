"""Small helpers shared by the views: shape an answer through its response model."""
from __future__ import annotations

from typing import Any

from flask import jsonify
from pydantic import BaseModel


def answer(model: type[BaseModel], data: Any, status: int = 200):
    """Validate the data against the documented response model, so what we send is what we promise."""
    return jsonify(model.model_validate(data).model_dump(mode="json")), status
