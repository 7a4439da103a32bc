"""allauth's OpenID Connect provider, with the ID token's signature always checked.

allauth skips the signature of an ID token it received straight from the token endpoint
(OpenID Connect Core §3.1.3.7 allows it over TLS). A city's security officer expects the
signature checked against the provider's published keys whatever the channel, so this
provider's adapter always checks it, as well as the issuer, audience and expiry.
"""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter


class SignedIDTokenAdapter(OpenIDConnectOAuth2Adapter):
    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict[str, Any]:
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )


class CityOpenIDConnectProvider(OpenIDConnectProvider):
    oauth2_adapter_class = SignedIDTokenAdapter


provider_classes = [CityOpenIDConnectProvider]
