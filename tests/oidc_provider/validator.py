"""The provider's claims (e-mail, name, groups) and the faults a test can ask for."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from django.utils import timezone
from jwcrypto import jwk, jwt
from oauth2_provider.oauth2_validators import OAuth2Validator

# What the next ID tokens get wrong, set through the control endpoint:
# "" (nothing), "expired", "audience" or "signature".
FAULT = {"mode": ""}
# A key this provider never publishes: a token signed with it must be refused.
_ROGUE_KEY = jwk.JWK.generate(kty="RSA", size=2048)


class CityValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "groups": "profile",
    }

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        return {
            "email": user.email,
            "email_verified": True,
            "given_name": user.first_name,
            "name": f"{user.first_name} {user.last_name}".strip(),
            "groups": sorted(user.groups.values_list("name", flat=True)),
        }

    def get_id_token_dictionary(self, token: Any, token_handler: Any, request: Any) -> Any:
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        if FAULT["mode"] == "expired":
            expiration_time = timezone.now() - timedelta(minutes=5)
            claims["exp"] = int(expiration_time.timestamp())
        return claims, expiration_time

    def finalize_id_token(self, id_token: Any, token: Any, token_handler: Any, request: Any) -> str:
        if FAULT["mode"] == "audience":
            id_token["aud"] = "another-application"
        signed = super().finalize_id_token(id_token, token, token_handler, request)
        if FAULT["mode"] != "signature":
            return signed
        # The same header (same key id) and claims, signed with a key the JWKS does not hold.
        header, claims, _signature = signed.split(".")
        forged = jwt.JWT(header=_decoded(header), claims=_decoded(claims))
        forged.make_signed_token(_ROGUE_KEY)
        return forged.serialize()


def _decoded(part: str) -> str:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()
