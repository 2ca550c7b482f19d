# Local type stub: django-otp ships no types. Only what this project uses is declared.
