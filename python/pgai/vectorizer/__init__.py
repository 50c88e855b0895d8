"""The vectorizer worker (`from pgai.vectorizer import Worker`)."""

from .worker import Worker

__all__ = ["Worker"]
