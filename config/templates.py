"""Django's template backend, letting go of each page's context once it is rendered.

``make_context`` pushes a view's dict onto the RequestContext as a ContextDict, which points
back at its context: a reference cycle. Everything a page's context holds then waits for the
cyclic garbage collector instead of being freed as the response leaves. For the dashboard that
was its 500 rows, some 6,000 objects a request, and a full collection every eight or so
requests cost 50-175 ms (profiled: the page's p99). Emptying the context after rendering breaks
the cycle, and refcounting frees the page's objects at once.
"""

from typing import Any

from django.template import TemplateDoesNotExist
from django.template.backends.django import DjangoTemplates as BaseDjangoTemplates
from django.template.backends.django import Template as BaseTemplate
from django.template.backends.django import reraise
from django.template.context import make_context
from django.utils.safestring import SafeString


class Template(BaseTemplate):
    def render(self, context: dict[str, Any] | None = None, request: Any = None) -> SafeString:
        made = make_context(context, request, autoescape=self.backend.engine.autoescape)
        try:
            return self.template.render(made)
        except TemplateDoesNotExist as exc:
            reraise(exc, self.backend)
        finally:
            made.dicts = []  # nobody renders with it again; signal receivers kept copies


class DjangoTemplates(BaseDjangoTemplates):
    def from_string(self, template_code: str) -> Template:
        return Template(self.engine.from_string(template_code), self)

    def get_template(self, template_name: str) -> Template:
        try:
            return Template(self.engine.get_template(template_name), self)
        except TemplateDoesNotExist as exc:
            reraise(exc, self)
