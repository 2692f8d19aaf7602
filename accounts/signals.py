"""What the core announces, for the layers above it to act on (wired in their AppConfig.ready).

Sent inside the transaction of the write, so a receiver's own writes (an email in the outbox)
commit or roll back with it. Receivers do no more than call a service.
"""

from django.dispatch import Signal

# An organisation invitation was made or re-sent: kwargs ``invitation`` and ``token``, the
# secret of its link, which exists nowhere else (the database keeps only its hash).
invitation_issued = Signal()
