"""The code generators override methods of Jinja's CodeGenerator, some of them private (`_output_child_pre`,
`_output_child_post`). pyproject.toml pins Jinja2 to the minor range they were written against; this test is what
a Jinja upgrade meets first: every overridden method must still exist in Jinja with the same parameters, and the
generated code must still read plain dicts and write texts as the generators intend."""

from __future__ import annotations

import inspect

import pytest
from jinja2.compiler import CodeGenerator

from engine.templating.sandbox import DataCodeGenerator, DataSandbox
from engine.text import render_text, text_environment

GENERATORS = [DataCodeGenerator, type(text_environment()).code_generator_class]


def _overrides(generator: type) -> list[str]:
    """The methods a generator defines that Jinja's CodeGenerator also defines."""
    own = [name for cls in generator.__mro__ if cls is not CodeGenerator and issubclass(cls, CodeGenerator)
           for name, value in vars(cls).items() if inspect.isfunction(value)]
    return sorted({name for name in own if hasattr(CodeGenerator, name)})


@pytest.mark.parametrize("generator", GENERATORS, ids=lambda g: g.__name__)
def test_every_overridden_jinja_method_still_exists_with_the_same_parameters(generator):
    overridden = _overrides(generator)
    assert "_output_child_pre" in overridden and "visit_Getattr" in overridden
    for name in overridden:
        ours = list(inspect.signature(getattr(generator, name)).parameters)
        jinjas = list(inspect.signature(getattr(CodeGenerator, name)).parameters)
        assert ours == jinjas, f"{generator.__name__}.{name}{ours} no longer matches Jinja's {name}{jinjas}"


def test_the_generated_code_reads_dict_keys_and_writes_text_as_intended():
    environment = DataSandbox()
    template = environment.from_string("{{ plan.views }} {{ plan.missing is defined }} {{ 'x' ~ 1 }}")
    assert template.render(plan={"views": 3}) == "3 False x1"
    source = environment.compile("{{ plan.views }}", raw=True)
    assert "_key_owner['views'] if type(" in source  # the key read inline; getattr only for what is not a dict


def test_rule_text_rendered_through_the_overridden_generator():
    text = render_text("{{ facts.followers | number }} of {{ thresholds['x'] }}{% if facts.age is none %}!{% endif %}",
                       facts={"followers": 12345, "age": None}, thresholds={"x": 10000}, rule="r", field="text")
    assert text == "12,345 of 10000!"
