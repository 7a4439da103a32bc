"""The city's single sign-on for staff: allauth's OpenID Connect provider, made stricter.

Staff sign in through the city's identity provider (Keycloak, Entra ID, ProConnect...);
their role follows the provider's groups at each sign-in (``accounts.services``).
"""
