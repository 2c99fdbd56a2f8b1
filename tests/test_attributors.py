"""A method is a composite (which rule applies where) read by an attributor (how relevance is read)."""

import tiny

from lrp_audit.lrp import CP_LRP, GRADIENT, METHODS, Explainer, GradientTimesInput, IntegratedGradients, Method


def test_a_method_is_a_composite_and_an_attributor():
    assert METHODS["cp-lrp"] == Method("cp-lrp", CP_LRP, GradientTimesInput())
    assert METHODS["ig"] == Method("ig", GRADIENT, IntegratedGradients(steps=50))


def test_a_method_describes_its_rules_and_its_attributor():
    described = METHODS["ig"].with_steps(7).describe()
    assert described == {
        "method": "ig",
        "rules": {"all": "gradient"},
        "attributor": {
            "name": "integrated-gradients",
            "baseline": "zero embedding",
            "quadrature": "gauss-legendre",
            "steps": 7,
        },
    }


def test_only_an_integrating_attributor_takes_steps():
    assert METHODS["gxi"].with_steps(7) == METHODS["gxi"]


def test_the_explainer_integrates_over_its_ig_steps(tokenizer):
    assert Explainer(tiny.model("bert"), tokenizer, "ig", ig_steps=3).attributor == IntegratedGradients(steps=3)
