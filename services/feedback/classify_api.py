"""``POST /v1/feedback/classify``: what the text reader makes of one text, for tuning.

The body is parsed here rather than by FastAPI: FastAPI's validation answer echoes the input,
and an input holding a lone surrogate then fails to encode (a 500). Errors here name the field
and what to fix, never echo the text.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from starlette.concurrency import run_in_threadpool

from services.feedback.text.reader import TextReader
from services.feedback.text.verdict import Intent, Label, Language


def _readable(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not contain NUL characters; remove them")
    if not text.strip():
        raise ValueError("must contain something other than spaces")
    return text


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ClassifyRequest(_Wire):
    text: Annotated[str, AfterValidator(_readable)] = Field(
        min_length=1, description="The feedback text: a comment, review, chat or note."
    )
    language: Literal["fr", "en"] | None = Field(
        default=None, description="The text's language when known; detected otherwise."
    )


class ClassifyResponse(_Wire):
    language: Language
    label: Label
    score: float = Field(description="-1 (very unhappy) .. 1 (very happy)")
    confidence: float = Field(description="0..1, distance from the neutral band's edges")
    themes: list[str]
    intents: list[Intent]
    classifier_version: str


_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": ClassifyRequest.model_json_schema()}},
    }
}


def classify_router(reader: TextReader) -> APIRouter:
    router = APIRouter(prefix="/v1/feedback", tags=["feedback text"])
    limit = reader.settings.max_chars

    @router.post(
        "/classify",
        response_model=ClassifyResponse,
        openapi_extra=_BODY,
        responses={
            413: {"description": "A body far longer than the longest text read"},
            422: {"description": "No text, an empty or too long one, NUL characters, bad JSON"},
        },
    )
    async def classify(request: Request) -> ClassifyResponse:
        """Language, label, score, themes and intents of one text (nothing is stored)."""
        body = await request.body()
        if len(body) > 8 * limit + 1024:  # UTF-8 and JSON escapes: at most ~6 bytes a char
            raise HTTPException(413, [_text_problem(f"send a text of at most {limit} characters")])
        parsed = _parse(body)
        if len(parsed.text) > limit:
            message = f"is {len(parsed.text)} characters long; send at most {limit}"
            raise HTTPException(422, [_text_problem(message)])
        verdict = await run_in_threadpool(reader.read, parsed.text, language=parsed.language)
        return ClassifyResponse(
            language=verdict.language,
            label=verdict.label,
            score=verdict.score,
            confidence=verdict.confidence,
            themes=list(verdict.themes),
            intents=list(verdict.intents),
            classifier_version=verdict.classifier_version,
        )

    return router


def _parse(body: bytes) -> ClassifyRequest:
    try:
        return ClassifyRequest.model_validate_json(body)
    except ValidationError as exc:
        problems = [_problem(error) for error in exc.errors(include_input=False)]
        raise HTTPException(422, problems) from None


def _problem(error: Any) -> dict[str, str]:
    where = ".".join(str(part) for part in error["loc"]) or "body"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "json_invalid":
        message = f'not valid JSON ({message}); send an object such as {{"text": "..."}}'
    return {"field": where, "message": message, "type": str(error["type"])}


def _text_problem(message: str) -> dict[str, str]:
    return {"field": "text", "message": message, "type": "string_too_long"}
