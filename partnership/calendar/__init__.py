"""The calendar of working days: each GOV.UK division's bank holidays, held as data.

``selectors`` reads it (deadlines ask it which days are bank holidays), ``services`` changes it
(an administrator adds or removes a day, ``manage.py import_bank_holidays`` loads GOV.UK's list),
``govuk`` reads GOV.UK's published format, and ``views``/``api`` are its page and endpoints.
Apps whose deadlines count working days register with ``services.calendar_change_register`` to
recompute them when the calendar changes.
"""
