"""HTTP routes: ``packyard serve wordstats`` mounts them under ``/wordstats``.

FastAPI is a requirement of the extra ``api`` only (``pip install 'wordstats[api]'``):
the core package never imports this module.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from .core import analyze, sample, sample_names, top_words

router = APIRouter()


class Text(BaseModel):
    """A text to analyse."""

    text: str = Field(description="plain text", examples=["The quick brown fox."])


class WordCount(BaseModel):
    """A word and how often it occurs."""

    word: str
    count: int


@router.post("/stats")
def text_stats(body: Text) -> dict[str, float | int]:
    """Counts, distinct words, sentences and reading time of a text."""
    return analyze(body.text).to_dict()


@router.post("/top")
def most_frequent(body: Text, n: int = 10, keep_stopwords: bool = False) -> list[WordCount]:
    """The ``n`` most frequent words of a text."""
    if n < 1:
        raise HTTPException(status_code=422, detail="n must be at least 1")
    return [
        WordCount(word=w, count=c)
        for w, c in top_words(body.text, n, keep_stopwords=keep_stopwords)
    ]


@router.get("/samples")
def samples() -> list[str]:
    """The names of the shipped sample texts."""
    return sample_names()


@router.get("/samples/{name}")
def sample_stats(name: str) -> dict[str, float | int]:
    """The statistics of a shipped sample text."""
    if name not in sample_names():
        raise HTTPException(status_code=404, detail=f"no sample {name!r}")
    return analyze(sample(name)).to_dict()
