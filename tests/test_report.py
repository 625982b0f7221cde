from course_companion.report import compare_file_names, tie_check


def _row(scheme, diff):
    return {"scheme": scheme, "tied_max_diff": diff}


def test_tie_check_exact_on_cpu():
    rows = [_row("constant", 0.0), _row("random", None), _row("mirrored", 0.0)]
    assert tie_check(rows, "CPU") == (
        "Tie check (constant and mirrored, equal exactly (CPU)): held; largest difference inside a tied group 0."
    )
    assert "FAILED" in tie_check([_row("mirrored", 1e-9)], "CPU")


def test_tie_check_tolerance_on_gpu():
    assert "within 1e-06 (GPU tolerance)): held" in tie_check([_row("mirrored", 5e-7)], "GPU:0 (A100)")
    assert "FAILED" in tie_check([_row("mirrored", 5e-6)], "GPU:0")


def test_tie_check_ignores_schemes_meant_to_drift():
    assert tie_check([_row("incoming-only", 0.3), _row("random", None)], "CPU").startswith("Tie check: no scheme here")


def test_file_names():
    assert compare_file_names(["random"], "svg") == [
        "answer.svg", "distances_L1.svg", "distances_L2.svg", "heatmaps_L1.svg", "heatmaps_L2.svg",
        "units_random.svg", "random.npz", "summary.md",
    ]
