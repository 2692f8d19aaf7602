from oauth2_provider.oauth2_validators import OAuth2Validator

UNVERIFIED = "unverified"  # a group: people whose address the provider has not verified


class Validator(OAuth2Validator):
    """The claims an identity provider gives: the address, whether it verified it, the name."""

    def get_additional_claims(self, request):
        user = request.user
        return {
            "email": user.email,
            "email_verified": not user.groups.filter(name=UNVERIFIED).exists(),
            "name": user.first_name,
        }
