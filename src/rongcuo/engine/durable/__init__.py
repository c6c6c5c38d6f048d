"""The durable_rules backend: ``compile`` turns a ruleset into durable's JSON definitions
(durable is not imported there) from each condition's rails (``rails``), numbers as ranks
(``numbers``) and durable's limits (``limits``); ``evaluator`` registers them and evaluates
cases on them."""
