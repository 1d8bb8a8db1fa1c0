"""Stable proposals: our deferred acceptance vs the ``matching`` package.

Builds 2,000 x 2,000 top-50 lists with the engine, writes them to a temp
JSON file and times, in a *separate* virtual environment and process
(``MATCHING_PKG_PYTHON``, default ``/tmp/matchpkg-venv/bin/python``):

* the package's own algorithm, ``matching.algorithms.hospital_resident``
  (players built beforehand, not timed);
* its public API, ``HospitalResident.create_from_dictionaries(...).solve()``.

Ours is timed on the same dicts through ``matching.deferred_acceptance``
(dict in, dict out) and through the array path.  Results must be identical.
Prints JSON lines.  The package is never a dependency of this project.

Setup: ``python3 -m venv /tmp/matchpkg-venv && /tmp/matchpkg-venv/bin/pip install matching``
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from matching import deferred_acceptance, deferred_acceptance_arrays, preference_lists  # noqa: E402
from matching.bench import synthetic  # noqa: E402

CHILD = r"""
import json, sys, threading, time
from matching.algorithms.hospital_resident import hospital_resident
from matching.games import HospitalResident
from matching.games.hospital_resident import _make_players

# the package deep-copies linked player objects: give it room to recurse
sys.setrecursionlimit(1_000_000)
threading.stack_size(1 << 29)
data = json.load(open(sys.argv[1]))
rp, hp, caps = data["person_prefs"], data["household_prefs"], data["capacities"]
out = {}


def main():
  best_alg = best_api = float("inf")
  for _ in range(int(sys.argv[2])):
    residents, hospitals = _make_players(rp, hp, caps)
    t = time.perf_counter()
    res = hospital_resident(residents, hospitals, optimal="resident")
    best_alg = min(best_alg, time.perf_counter() - t)
    t = time.perf_counter()
    game = HospitalResident.create_from_dictionaries(rp, hp, caps)
    api = game.solve(optimal="resident")
    best_api = min(best_api, time.perf_counter() - t)
  out["algorithm_seconds"] = best_alg
  out["public_api_seconds"] = best_api
  out["algorithm_result"] = {h.name: sorted(r.name for r in m) for h, m in res.items()}
  out["public_api_result"] = {h.name: sorted(r.name for r in m) for h, m in api.items()}


th = threading.Thread(target=main)
th.start()
th.join()
print(json.dumps(out))
"""


def build(n=2000, length=50, seed=7):
    """Same-size lists for both sides: each person's top-50, households rank their applicants."""
    inst = synthetic(n, n, seed=seed, side_km=60.0, max_km=(20.0, 60.0))
    prefs, ranks, _ = preference_lists(inst, length)
    pid, hid = inst.people.ids, inst.households.ids
    person_prefs = {pid[i]: [hid[j] for j in prefs[i] if j >= 0] for i in range(n)}
    pairs = sorted((int(ranks[i, k]), hid[prefs[i, k]], pid[i]) for i, k in zip(*np.nonzero(ranks >= 0), strict=False))
    household_prefs = {h: [] for h in hid}
    for _, h, p in pairs:
        household_prefs[h].append(p)
    # the package wants every resident to list someone and every hospital to have a place
    person_prefs = {p: lst for p, lst in person_prefs.items() if lst}
    caps = {h: max(int(c), 1) for h, c in zip(hid, inst.households.free_places, strict=False)}
    household_prefs = {h: lst for h, lst in household_prefs.items() if lst}
    caps = {h: caps[h] for h in household_prefs}
    return person_prefs, household_prefs, caps, prefs, ranks


def main():
    """Run the comparison and print JSON lines."""
    person_prefs, household_prefs, caps, _, _ = build()
    hids = list(caps)
    hpos = {h: i for i, h in enumerate(hids)}
    prank = {h: {p: r for r, p in enumerate(lst)} for h, lst in household_prefs.items()}
    pids = list(person_prefs)
    L = max(len(v) for v in person_prefs.values())
    pa = np.full((len(pids), L), -1, dtype=np.int64)
    ra = np.full((len(pids), L), -1, dtype=np.int64)
    for i, p in enumerate(pids):
        for k, h in enumerate(person_prefs[p]):
            pa[i, k] = hpos[h]
            ra[i, k] = prank[h][p]
    capa = np.array([caps[h] for h in hids])

    def best(fn, repeat=5):
        b, out = float("inf"), None
        for _ in range(repeat):
            t = time.perf_counter()
            out = fn()
            b = min(b, time.perf_counter() - t)
        return b, out

    t_dict, ours = best(lambda: deferred_acceptance(person_prefs, household_prefs, caps))
    t_arr, _ = best(lambda: deferred_acceptance_arrays(pa, ra, capa))
    line = {
        "bench": "stable_2000x2000_top50_vs_matching_package",
        "ours_dict_api_seconds": round(t_dict, 5),
        "ours_array_seconds": round(t_arr, 5),
        "proposals": sum(len(v) for v in ours.values()),
    }
    py = os.environ.get("MATCHING_PKG_PYTHON", "/tmp/matchpkg-venv/bin/python")
    if not Path(py).exists():
        line["note"] = f"matching package python not found at {py}; comparison skipped"
        print(json.dumps(line), flush=True)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lists.json"
        path.write_text(
            json.dumps({"person_prefs": person_prefs, "household_prefs": household_prefs, "capacities": caps})
        )
        script = Path(tmp) / "child.py"
        script.write_text(CHILD)
        proc = subprocess.run(
            [py, str(script), str(path), "3"], capture_output=True, text=True, timeout=1800, cwd=tmp, check=False
        )
    if proc.returncode != 0:
        line["note"] = "matching package run failed: " + proc.stderr[-500:]
        print(json.dumps(line), flush=True)
        return
    pkg = json.loads(proc.stdout.strip().splitlines()[-1])
    ours_sorted = {h: sorted(v) for h, v in ours.items() if v}
    alg = {h: v for h, v in pkg["algorithm_result"].items() if v}
    pub = {h: v for h, v in pkg["public_api_result"].items() if v}
    line.update(
        package_algorithm_seconds=round(pkg["algorithm_seconds"], 5),
        package_public_api_seconds=round(pkg["public_api_seconds"], 5),
        speedup_vs_package_algorithm=round(pkg["algorithm_seconds"] / t_dict, 1),
        speedup_vs_package_public_api=round(pkg["public_api_seconds"] / t_dict, 1),
        speedup_array_vs_package_algorithm=round(pkg["algorithm_seconds"] / t_arr, 1),
        target_speedups={"algorithm": 2, "public_api": 100},
        identical_to_package_algorithm=ours_sorted == alg,
        identical_to_package_public_api=ours_sorted == pub,
    )
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
