"""What lessons' tests read off the values a scene fills its script with."""
from narration.script import Choice


def keys(values: dict) -> dict[str, str]:
    """The key of each choice in `values`, and of the choices nested in their extras."""
    out = {}
    for name, value in values.items():
        if isinstance(value, Choice):
            out[name] = value.key
            out.update(keys(value.extra))
    return out
