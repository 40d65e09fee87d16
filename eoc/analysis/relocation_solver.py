"""The relocation solvers: people from origins (rows) to sites (columns), given a cost matrix.

`solve_min_cost` is the planner's: a transportation LP, most people placed, then least cost.
`solve_greedy` is the benchmark's baseline only. `split_surcharge` is the cost that keeps a
village together (see its docstring).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from eoc.errors import EocError

_START_ARCS = 20  # nearest sites per origin in the solver's first round
_ENTER_PER_ORIGIN = 10  # arcs that may join per origin per round (partial pricing)
_PRICE_TOLERANCE = 1e-9
# A site that can take less than this share of a village is charged as if it took this share,
# so the surcharge stays within a range the LP solves cleanly.
SPLIT_MIN_SHARE = 0.05


class SolverError(EocError):
    """The solver failed or returned an impossible plan (a bug to report)."""


def split_surcharge(demand: np.ndarray, capacity: np.ndarray, penalty_km: float) -> np.ndarray:
    """Extra cost per person (km) on each origin-site arc that keeps villages together.

    Sending a village's people to one more site is charged as if the whole village travelled
    `penalty_km` further: a fixed charge of `penalty_km × people of the village` on every
    (village, site) pair used. A fixed charge makes the problem a mixed-integer one, far too
    slow for 1,000 villages × 500 sites; its standard linear relaxation spreads the charge
    over the most people the arc can carry, min(village, site's free places). So a site with
    room for the whole village costs `penalty_km` more per person, and a site with room for a
    fifth of it costs 5 × `penalty_km` more: a big enough site wins over several small nearer
    ones unless they are much nearer. The result is still a transportation LP (whole people).
    """
    demand = demand.astype(float)
    carry = np.minimum(demand[:, None], capacity.astype(float)[None, :])
    share = np.divide(carry, demand[:, None], out=np.ones_like(carry), where=demand[:, None] > 0)
    return penalty_km / np.maximum(share, SPLIT_MIN_SHARE)


def solve_min_cost(demand: np.ndarray, capacity: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """People moved from each origin (rows) to each site (columns): most placed, least km.

    A transportation LP (HiGHS dual simplex: its vertex solutions are whole people, the
    constraint matrix being totally unimodular) solved on each origin's nearest sites first,
    then priced: arcs with a negative reduced cost join (the most negative few per origin) and
    the LP is solved again, until none is left. The result is the optimum over all arcs
    without handing the solver all of them.
    """
    n, m = cost.shape
    moved = np.zeros((n, m), np.int64)
    feasible = np.isfinite(cost)
    if n == 0 or m == 0 or demand.sum() == 0 or not feasible.any():
        return moved
    # Not placing one person costs more than the longest chain of re-routings can save.
    unplaced_cost = float(cost[feasible].max()) * (n + m + 1) + 1.0
    tolerance = _PRICE_TOLERANCE * unplaced_cost + 1e-6  # km; the duals reach unplaced_cost
    active = _most_negative(np.where(feasible, cost, np.inf), _START_ARCS)  # nearest sites
    while True:
        rows, cols = np.nonzero(active)
        result = _transport_lp(demand, capacity, rows, cols, cost[rows, cols], unplaced_cost)
        reduced = cost - result.eqlin.marginals[:, None] - result.ineqlin.marginals[None, :]
        candidates = feasible & ~active & (reduced < -tolerance)
        if not candidates.any():
            break
        active |= _most_negative(np.where(candidates, reduced, np.inf), _ENTER_PER_ORIGIN)
    flows = np.rint(result.x[: len(rows)]).astype(np.int64)
    moved[rows, cols] = flows
    if (moved.sum(axis=1) > demand).any() or (moved.sum(axis=0) > capacity).any():
        raise SolverError("the solver returned a plan that breaks a capacity; report this")
    return moved


def _most_negative(values: np.ndarray, k: int) -> np.ndarray:
    """A mask of the (up to) `k` smallest finite values of each row."""
    k = min(k, values.shape[1])
    picked = np.argpartition(values, k - 1, axis=1)[:, :k]
    mask = np.zeros(values.shape, bool)
    mask[np.arange(len(values))[:, None], picked] = True
    return mask & np.isfinite(values)


def _transport_lp(
    demand: np.ndarray,
    capacity: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    arc_cost: np.ndarray,
    unplaced_cost: float,
):
    n, m, arcs = len(demand), len(capacity), len(rows)
    # Variables: one per active arc, then one "not placed" per origin.
    origin_rows = np.concatenate([rows, np.arange(n)])
    equal = sp.csr_matrix(
        (np.ones(arcs + n), (origin_rows, np.arange(arcs + n))), shape=(n, arcs + n)
    )
    at_most = sp.csr_matrix((np.ones(arcs), (cols, np.arange(arcs))), shape=(m, arcs + n))
    result = linprog(
        np.concatenate([arc_cost, np.full(n, unplaced_cost)]),
        A_ub=at_most,
        b_ub=capacity.astype(float),
        A_eq=equal,
        b_eq=demand.astype(float),
        bounds=(0, None),
        method="highs-ds",
    )
    if result.status != 0:
        raise SolverError(f"the relocation solver failed: {result.message}")
    return result


def solve_greedy(demand: np.ndarray, capacity: np.ndarray, cost: np.ndarray) -> np.ndarray:
    moved = np.zeros(cost.shape, np.int64)
    left = capacity.astype(np.int64).copy()
    for i in range(len(demand)):
        need = int(demand[i])
        for j in np.argsort(cost[i], kind="stable"):
            if need == 0 or not np.isfinite(cost[i, j]):
                break
            take = min(need, int(left[j]))
            moved[i, j] += take
            left[j] -= take
            need -= take
    return moved
