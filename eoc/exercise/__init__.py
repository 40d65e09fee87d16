"""Exercise mode: simulation exercises on a sandbox copy of the store, driven by timed injects.

- `sandbox`: copy the live store, mark the copy as an exercise, archive it at the end;
- `scenario`: the readable scenario file (CSV) of timed injects and expected actions;
- `clock`: the exercise clock (real time, accelerated ×N, stepped; paused);
- `injects`: one inject applied through the store's audited writes, exactly once;
- `live_injects`: an inject the controller adds live, checked and kept like the scenario's;
- `player`: plays a scenario (headless runner, "apply the next inject now");
- `timeline` and `report`: the after-action review from the audit log, HTML or PDF;
- `marking`: the EXERCISE marking of pages, reports and CAP alerts.
"""
