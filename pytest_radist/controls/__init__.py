"""Test controls: faults, the journal, presence, the browser policy, the guard and the control plane."""
