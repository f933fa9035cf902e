"""Fixtures many test files share: the embedded model, the course photo as it sees it, and its trace.

Module-scoped, not session-scoped: some tests change a model's weights in place, and each module gets its own.
"""
import pytest

import vitmath


@pytest.fixture(scope="module")
def model():
    return vitmath.load_model()


@pytest.fixture(scope="module")
def image(model):
    return vitmath.load_image(vitmath.DEFAULT_IMAGE, model)


@pytest.fixture(scope="module")
def tr(model, image):
    return vitmath.trace(model, image)
