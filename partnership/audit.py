"""What this app writes on the timeline, in words (see ``partnership.audit_verbs``): the
directory, accounts and sign-in, API tokens and the calendar of working days.

Verbs ending ``.changed``, ``.deleted`` and ``.saved`` (and ``.created`` without details) are
written by the administration pages (``partnership.admin.AuditedAdmin``), which record the names
of the fields changed and never their values.
"""

from __future__ import annotations

from partnership.audit_verbs import detail_words_register, verbs_register
from partnership.models import AgencyKind, Division, Role

detail_words_register("role", Role.choices)
detail_words_register("agency_kind", AgencyKind.choices)
detail_words_register("division", Division.choices)

verbs_register(
    {
        # The directory.
        "partnership.created": "Partnership set up[: {name}][ ({division:division})]"
        "[ in the administration pages, with {fields:fields}]",
        "partnership.changed": "A partnership's record was changed in the administration pages: "
        "{fields:fields}",
        "partnership.deleted": "A partnership's record was deleted in the administration pages",
        "agency.joined": "Agency now takes part in partnership {partnership_id}",
        "member.joined": "Member now works in partnership {partnership_id}",
        "agency.created": "Agency added[: {name} ({kind:agency_kind})]"
        "[ in the administration pages, with {fields:fields}]",
        "agency.changed": "An agency's record was changed in the administration pages: "
        "{fields:fields}",
        "agency.deleted": "An agency's record was deleted in the administration pages",
        "area.created": "Area added[: {name}][ in the administration pages, with {fields:fields}]",
        "area.changed": "An area's record was changed in the administration pages: {fields:fields}",
        "area.deleted": "An area's record was deleted in the administration pages",
        "member.created": "Account opened for a new member[ ({username})]"
        "[ in the administration pages, with {fields:fields}]",
        "member.changed": "A member's account was changed in the administration pages: "
        "{fields:fields}",
        "member.deleted": "A member's account was deleted in the administration pages",
        "roleassignment.saved": "A member's role or its deputy was set in the administration pages",
        "roleassignment.deleted": "A member's role was taken away in the administration pages",
        "role.assigned": "{member_id:member} given the role of {role:role}"
        "[ in partnership {partnership_id}][, with {deputy_id:member} as deputy]",
        "role.revoked": "{member_id:member} no longer holds the role of {role:role}"
        "[ in partnership {partnership_id}]",
        # Signing in.
        "member.login_locked": "Sign-in to this account paused for "
        "{locked_for_seconds:duration} after {failures} failed attempts from places that had "
        "not signed in to it before (the last one got the {reason} wrong)",
        "member.second_factor_enrolled": "Second factor set up: an authenticator app is now "
        "needed to sign in",
        "member.second_factor_removed": "Second factor removed by an administrator (for a lost "
        "phone): the member sets up a new one when they next sign in",
        "member.recovery_codes_made": "New recovery codes made[ ({codes} of them)]: the old "
        "ones no longer work",
        "member.recovery_code_used": "Signed in with a recovery code instead of the "
        "authenticator app[ ({left} codes left)]",
        "token.issued": "API token issued[ for “{name}”][, valid until {expires_at:time}]",
        "token.revoked": "API token withdrawn[ (“{name}”)][: {reason}]",
        # The calendar of working days.
        "calendar.day_added": "Bank holiday added in {division:division}: {date:time}, {title} "
        "({reason})",
        "calendar.day_removed": "Bank holiday removed in {division:division}: {date:time}, {title} "
        "({reason})",
        "calendar.imported": "GOV.UK's bank holidays imported for {division:division} from "
        "{source}",
        "calendar.seeded": "Bank holidays of {division:division} {year} copied from {source}",
    }
)
