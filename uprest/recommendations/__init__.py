"""Learning-path recommendations: the pure recommender (rules.py, recommender.py) and the explanations of
its recommendations in the learner's language (explain.py). No routes yet: the plan pages show them."""

from uprest.registry import Feature

# After the assessment (whose gaps it reads), before the catalogue (whose modules it recommends): its cards,
# once it has some, come between theirs.
feature = Feature("recommendations", order=35)
