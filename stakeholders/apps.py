from django.apps import AppConfig


class StakeholdersConfig(AppConfig):
    name = "stakeholders"

    def ready(self) -> None:
        # Imported here, not at the top: these modules load models, which must wait until the
        # app registry is ready.
        from outbox.composers import secret_register
        from stakeholders import services  # (the same reason)

        # A buyer's link in an email gets its token when the email is sent.
        secret_register(services.BUYER_LINK_MAKER, services.buyer_link_token_renew)
