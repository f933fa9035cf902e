"""How much slower is vitmath's explicit, everything-kept forward pass than timm's own forward?

Same model, same input, same process: warm-up, then the median of several repeats of each.
The last line, "ratio: X", is trace time / timm time.

    .venv/bin/python benchmarks/trace_vs_timm.py [--model NAME] [--repeats N]
"""

import argparse
import statistics
import time

import torch

import vitmath


def median_seconds(fns, repeats: int, warmup: int = 3) -> list[float]:
    """Median time of each function; they take turns, so background load hits both alike."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, out in zip(fns, times):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="timm ViT name (default: the embedded ViT-Ti/16)")
    parser.add_argument("--weights", default=None)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    model = vitmath.load_model(args.model, args.weights)
    image = vitmath.load_image(vitmath.DEFAULT_IMAGE, model)

    def timm_forward():
        with torch.no_grad():
            return model(image.tensor)

    def our_trace():
        return vitmath.trace(model, image)

    timm_s, trace_s = median_seconds([timm_forward, our_trace], args.repeats)
    print(f"model: {vitmath.dims_of(model).model_name}, torch threads: {torch.get_num_threads()}")
    print(f"timm forward: {timm_s * 1000:.2f} ms (median of {args.repeats})")
    print(f"vitmath trace: {trace_s * 1000:.2f} ms (median of {args.repeats})")
    print(f"ratio: {trace_s / timm_s:.2f}")


if __name__ == "__main__":
    main()
