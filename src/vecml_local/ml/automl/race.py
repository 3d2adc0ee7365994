"""The LightGBM search under a clock: successive halving on the first split, then
the remaining splits for the best few.

1. Every configuration is trained on split 0 for a first rung of rounds (early
   stopping on the split's held-out rows).
2. The better half is kept; those still improving continue from where they stopped
   (the same booster, a warm start) up to the full round limit.
3. The best `survivors` (by split-0 loss) are trained on the other splits, one split
   at a time for all of them, each capped near the rounds split 0 needed (early
   stopping shared across splits).

A configuration named in `fixed_rounds` is always among the finalists, never stops
early before that many rounds, and also yields a second candidate: its predictions at
exactly that many rounds (LightGBM's defaults are 100 rounds, with no early stopping).

Every fit stops at the clock's search end, keeping the best iteration so far. A
split some survivor could not finish is left out for all of them, so every
candidate returned is scored on the same rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .budget import Clock
from .lgbm import predict_booster
from .search import Candidate, Problem, Split, empty_oof, loss

if TYPE_CHECKING:
    import lightgbm as lgb

__all__ = ["BoostRun", "Race", "race", "refit_booster"]


class BoostRun:
    """One booster trained round by round (early stopping on `stop` rows, the clock's
    deadline, warm restarts by calling `advance` again)."""

    def __init__(self, problem: Problem, params: dict[str, Any], split: Split, salt: int, min_rounds: int = 0) -> None:
        import lightgbm as lgb

        train_set, stop_set = problem.lgb_train_valid(split.train, split.stop, salt)
        assert stop_set is not None  # split.stop holds rows, so there is a stop set
        self.booster = lgb.Booster(params=params, train_set=train_set)
        self.booster.add_valid(stop_set, "stop")
        self.rows = len(split.train)
        self.scale = len(problem.y) / max(1, self.rows)  # a refit on all rows: rounds cost this much more
        self.rounds = 0
        self.best_iter = 0
        self.best = math.inf
        self.min_rounds = min_rounds  # early stopping waits for this many rounds
        self.converged = False  # early stopping fired or no split is left
        self.truncated = False  # stopped by the clock
        self.seconds = 0.0

    def advance(self, until: int, patience: int, clock: Clock, deadline: float) -> None:
        start = clock.now()
        self.truncated = False
        while self.rounds < until and not self.converged:
            finished = self.booster.update()
            self.rounds += 1
            value = float(self.booster.eval_valid()[0][2])
            if value < self.best:
                self.best, self.best_iter = value, self.rounds
            elif self.rounds - self.best_iter >= patience and self.rounds >= self.min_rounds:
                self.converged = True
            if finished:
                self.converged = True
            now = clock.now()
            # stop at the search deadline, or when refitting this many rounds would overrun the budget
            refit = (self.seconds + now - start) * self.scale * 1.1
            if now >= deadline or now + refit >= clock.refit_end:
                self.truncated = not self.converged
                clock.reached = clock.reached or self.truncated
                break
            if self.rounds % 8 == 0:
                clock.report()
        self.best_iter = max(1, self.best_iter)
        self.seconds += clock.now() - start

    def seconds_per_round(self) -> float:
        return self.seconds / max(1, self.rounds)

    def predict(self, problem: Problem, rows: np.ndarray, rounds: int | None = None) -> np.ndarray:
        """Predictions at the best iteration, or at `rounds` (at most those trained)."""
        it = self.best_iter if rounds is None else max(1, min(rounds, self.rounds))
        return predict_booster(self.booster, problem.x[rows], problem.task, problem.n_classes, num_iteration=it)


@dataclass
class _Entry:
    name: str
    params: dict[str, Any]
    oof: np.ndarray
    run0: BoostRun | None = None
    done: dict[int, int] = field(default_factory=dict)  # split -> best iteration
    fixed: int = 0  # > 0: also predict at exactly this many rounds
    oof_fixed: np.ndarray | None = None
    row_seconds: float = 0.0  # seconds per round per training row, as measured

    def split0_loss(self) -> float:
        return self.run0.best if self.run0 is not None else math.inf


@dataclass
class Race:
    """What `race` found: candidates scored on the same rows, and which splits those are."""

    candidates: list[Candidate]
    splits_done: list[int]


def _refit_estimate(entry: _Entry, n_rows: int) -> float:
    rounds = max(entry.done.values(), default=entry.run0.rounds if entry.run0 else 0) * 1.1
    return entry.row_seconds * n_rows * rounds


def _update_reserve(clock: Clock, entries: list[_Entry], n_rows: int, members: int) -> None:
    """The refit of the best `members` entries must fit after the search: keep it back."""
    ranked = sorted((e for e in entries if e.run0 is not None), key=_Entry.split0_loss)[:members]
    if ranked:
        clock.reserve = 1.25 * sum(_refit_estimate(e, n_rows) for e in ranked) + 0.5


def race(
    problem: Problem,
    configs: list[tuple[str, dict[str, Any]]],
    splits: list[Split],
    clock: Clock,
    *,
    max_rounds: int,
    patience: int,
    rung_rounds: int,
    survivors: int,
    want_splits: list[int] | None = None,
    deadline: float | None = None,
    reserve_members: int = 1,
    progress_span: tuple[float, float] = (0.0, 0.9),
    numbering: tuple[int, int] | None = None,
    fixed_rounds: dict[str, int] | None = None,
) -> Race:
    """Race `configs` (name, LightGBM params) on `splits`; see the module docstring.

    `want_splits`: the splits the survivors must finish (default all). `deadline`: an
    absolute clock time earlier than the clock's search end. `numbering`: (offset,
    total) for the progress messages when several races make one search. `fixed_rounds`:
    {configuration name: rounds}, see the module docstring; its extra candidate is named
    `<name>_<rounds>_rounds`.
    """
    want = list(range(len(splits))) if want_splits is None else list(want_splits)
    offset, total = numbering or (0, len(configs))
    k = len(splits)
    n_rows = len(problem.y)
    n_keep = min(len(configs), max(1, survivors))
    planned = len(configs) + n_keep * (len(want) - 1)
    lo, hi = progress_span
    fits = 0

    def end() -> float:
        return clock.search_end() if deadline is None else min(deadline, clock.search_end())

    def tick(i: int, f: int) -> None:
        clock.report(
            lo + (hi - lo) * fits / max(1, planned), f"candidate {offset + i + 1} of {total}, fold {f + 1} of {k}"
        )

    fixed_rounds = fixed_rounds or {}
    entries = [_Entry(name, params, empty_oof(problem), fixed=fixed_rounds.get(name, 0)) for name, params in configs]
    for e in entries:
        if e.fixed:
            e.oof_fixed = empty_oof(problem)
    # rung 1: every configuration on split 0 (the first always runs, so there is a model)
    for i, e in enumerate(entries):
        if i > 0 and clock.now() >= end():
            clock.reached = True
            break
        tick(i, 0)
        e.run0 = BoostRun(problem, e.params, splits[0], salt=0, min_rounds=e.fixed)
        e.run0.advance(max(rung_rounds, e.fixed), patience, clock, end())
        e.row_seconds = e.run0.seconds_per_round() / max(1, e.run0.rows)
        fits += 1
        _update_reserve(clock, entries, n_rows, reserve_members)
    started = [e for e in entries if e.run0 is not None]
    # halving: the better half continues on split 0 (warm start) up to max_rounds
    half = sorted(started, key=_Entry.split0_loss)[: max(1, math.ceil(len(started) / 2))]
    for e in half:
        assert e.run0 is not None  # (started)
        if not e.run0.converged and not e.run0.truncated and clock.now() >= end():
            clock.reached = True
        elif not e.run0.converged and not e.run0.truncated:
            tick(entries.index(e), 0)
            e.run0.advance(max_rounds, patience, clock, end())
            e.row_seconds = e.run0.seconds_per_round() / max(1, e.run0.rows)
            _update_reserve(clock, entries, n_rows, reserve_members)
    for e in started:
        assert e.run0 is not None  # (started)
        e.oof[splits[0].score] = e.run0.predict(problem, splits[0].score)
        e.done[0] = e.run0.best_iter
        if e.fixed:
            assert e.oof_fixed is not None  # set with `fixed`
            e.oof_fixed[splits[0].score] = e.run0.predict(problem, splits[0].score, e.fixed)
    # the remaining wanted splits for the best few (and the pinned ones), split by split
    ranked = sorted(started, key=_Entry.split0_loss)
    final = [e for e in ranked if e.fixed] + [e for e in ranked if not e.fixed][:n_keep]
    for f in (s for s in want if s != 0):
        if clock.now() >= end():
            clock.reached = True
            break
        for e in final:
            if clock.now() >= end():
                clock.reached = True
                break
            tick(entries.index(e), f)
            run = BoostRun(problem, e.params, splits[f], salt=f, min_rounds=e.fixed)
            run.advance(max(e.fixed, min(max_rounds, 2 * e.done[0] + patience)), patience, clock, end())
            fits += 1
            if run.truncated:
                break
            e.oof[splits[f].score] = run.predict(problem, splits[f].score)
            e.done[f] = run.best_iter
            if e.fixed:
                assert e.oof_fixed is not None  # set with `fixed`
                e.oof_fixed[splits[f].score] = run.predict(problem, splits[f].score, e.fixed)
            e.row_seconds = max(e.row_seconds, run.seconds_per_round() / max(1, run.rows))
            _update_reserve(clock, final, n_rows, reserve_members)
    done = sorted(set.intersection(*(set(e.done) for e in final)))
    pool = final if len(done) > 1 else started
    rows = np.sort(np.concatenate([splits[f].score for f in done]))
    scored = None if len(rows) == n_rows else rows
    out = []
    for e in pool:
        iters = [e.done[f] for f in done]
        c = Candidate(
            e.name,
            "lightgbm",
            e.params,
            e.oof,
            loss(problem.task, problem.y[rows], e.oof[rows]),
            rounds=max(1, int(round(float(np.mean(iters)) * 1.1))),
            fold_iterations=iters,
            scored=scored,
        )
        c.row_seconds = e.row_seconds
        out.append(c)
        if e.fixed:
            assert e.oof_fixed is not None  # set with `fixed`
            d = Candidate(
                f"{e.name}_{e.fixed}_rounds",
                "lightgbm",
                e.params,
                e.oof_fixed,
                loss(problem.task, problem.y[rows], e.oof_fixed[rows]),
                rounds=e.fixed,
                fold_iterations=[e.fixed] * len(done),
                scored=scored,
            )
            d.row_seconds = e.row_seconds
            out.append(d)
    clock.report(hi)
    return Race(out, done)


def refit_booster(params: dict[str, Any], train_set: lgb.Dataset, rounds: int, clock: Clock) -> tuple[lgb.Booster, int]:
    """The final model: `rounds` rounds on all rows, stopped at the end of the budget
    (at least one round). Returns (the booster, rounds trained)."""
    import lightgbm as lgb

    booster = lgb.Booster(params=params, train_set=train_set)
    done = 0
    while done < rounds:
        finished = booster.update()
        done += 1
        if finished:
            break
        if clock.now() >= clock.refit_end:
            clock.reached = clock.reached or done < rounds
            break
        if done % 8 == 0:
            clock.report()
    booster.free_dataset()  # not a model_to_string round trip: that alone took 0.7 s for 2,260 trees
    return booster, done
