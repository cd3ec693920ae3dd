"""The fake proves itself: one notion of "the same answer"
(:mod:`.answers`), shared by ``radist-fake verify`` and the cassettes that
keep checking the fake offline (:mod:`.cassettes`)."""
