"""The LSH banding is chosen by our own optimiser: it must pick what direct numerical integration picks."""

from __future__ import annotations

import pytest
from scipy.integrate import quad

from nlp.cluster import ClusterOptions, lsh_bands_rows


def _reference(threshold: float, num_perm: int, fp_weight: float, fn_weight: float) -> tuple[int, int]:
    """Brute force with adaptive quadrature of the candidate probability 1 − (1 − s^r)^b."""
    best, best_error = (0, 0), float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            false_pos = quad(lambda s, b=b, r=r: 1 - (1 - s**r) ** b, 0.0, threshold)[0]
            false_neg = quad(lambda s, b=b, r=r: (1 - s**r) ** b, threshold, 1.0)[0]
            error = fp_weight * false_pos + fn_weight * false_neg
            if error < best_error:
                best, best_error = (b, r), error
    return best


@pytest.mark.parametrize("threshold", [0.2, 0.3, 0.5, 0.8])
@pytest.mark.parametrize("num_perm", [32, 128])
def test_bands_rows_match_direct_integration(threshold, num_perm):
    assert lsh_bands_rows(threshold, num_perm, 0.2, 0.8) == _reference(threshold, num_perm, 0.2, 0.8)


def test_default_options_give_a_recall_leaning_banding():
    options = ClusterOptions()
    bands, rows = options.bands_rows
    assert bands * rows <= options.num_perm
    # Pairs at Jaccard 0.5 (the merge threshold's neighbourhood) must almost always become candidates.
    assert 1 - (1 - 0.5**rows) ** bands > 0.99
