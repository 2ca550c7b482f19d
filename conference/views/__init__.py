"""Pages of risk conferences, by topic: ``people`` (people and their incidents, repeat flags,
referrals), ``conferences`` (planning a conference: agenda, invitations, attendance, and each
agency's research), ``room`` (the live room and the minutes) and ``actions`` (actions after the
meeting); ``common`` holds what they share. ``conference.urls`` routes to them.

Every view looks its record up through ``conference.selectors`` (404 for one the member may not
see), asks the permission registry what they may do with it (403), and changes things only through
``conference.services`` (which also records each view of a person's data). A service's
``ValidationError`` goes back on the form (400); a ``ConflictError`` is shown as it stands (409).

A person's name appears only on the pages of people the viewer may see (their record, the list
of them, the referral form); everywhere else a case is ``P-00012``.
"""
