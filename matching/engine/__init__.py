"""The matching engine's pure core: no database, no HTTP, no clock.

The pipeline, one module per step:

1. ``facts``: offers and needs as frozen plain facts (retrieval builds them from SQL).
2. ``constraints``: ``violations(need, offer)``, the one list of hard rules.
3. ``scoring``: ``score(need, offer, weights=, today=)``, a total and its criteria,
   which ``explain`` turns into sentences for staff.
4. ``vectorised``: the same rules and formulas with NumPy over offers grouped by
   (kind, category), giving each need its top candidates in milliseconds at 500k offers.
5. ``batch``: the city-wide assignment of needs to offers over those candidates
   (``assign_in_rounds``: each need's top k, then a second round for the needs left
   short among offers not used up, since everyone's top k tends to be the same offers).

Why a min-cost flow for the batch: capacities (beds, quantities, people) and
"each need served at most up to its units" are exactly flow constraints, the
lexicographic goal "critical needs first, then total score" becomes one linear cost
with a big-M bonus, and the network's total unimodularity gives integral optima, so
an exact, maintained solver (OR-Tools) replaces home-made heuristics and solves the
20,000 × 500,000 city in seconds. ``batch.exact`` and ``batch.greedy`` measure it.
"""
