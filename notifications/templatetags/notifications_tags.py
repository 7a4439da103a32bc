from django import template

from core.staff_queues import staff_queues

register = template.Library()


@register.simple_tag
def digest_label(key: str) -> str:
    """The label of a staff queue, in the language being rendered."""
    for section in staff_queues():
        if section.key == key:
            return str(section.label)
    return key
