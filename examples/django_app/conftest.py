"""Django without a project: the example's settings, configured once."""

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="only-for-the-example",
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF="examples.django_app.urls",
        INSTALLED_APPS=[],
        MIDDLEWARE=[],
        DATABASES={},
        # what production reads from its environment; tests override them
        RADIST_KEY="rad_sk_production",
        RADIST_PROJECT_ID="production",
        RADIST_API_BASE_URL="https://radist.tech",
    )
    django.setup()
