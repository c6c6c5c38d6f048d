"""The durable_rules backend: ``compile`` turns a ruleset into durable's JSON definitions
(durable is not imported there); ``evaluator`` registers them and evaluates cases on them."""
