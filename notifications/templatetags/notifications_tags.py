from django import template

from notifications.digest import digest_sections

register = template.Library()


@register.simple_tag
def digest_label(key: str) -> str:
    """The label of a digest section, in the language being rendered."""
    for section in digest_sections():
        if section.key == key:
            return str(section.label)
    return key
