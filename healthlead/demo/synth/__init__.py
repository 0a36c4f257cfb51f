"""Synthetic national data: `manage.py synth --scale {trust,region,england} --seed N`.

A pipeline of stages (registry.py) that any app extends with its own `synth` module. This
package's own stages load organisations (plan.py), staff (staff.py), equality answers
(equality.py) and patient partners (partners.py); run.py runs them. See docs/synthetic-data.md.
"""

from healthlead.demo.synth import equality, partners, plan, staff  # noqa: F401 (register stages)
