"""REST API of risk conferences, by topic: ``people`` (people, their incidents, repeat flags,
referrals), ``conferences`` (planning: conferences, agenda, invitations, attendance, research),
``room`` (the live room and the minutes) and ``actions``; ``common`` holds what they share. The
routes are ``conference.urls.api_urlpatterns``. Views check who is asking and call services.
"""
