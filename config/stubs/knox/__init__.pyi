# Local type stub: django-rest-knox ships no types. Only what this project uses is declared.
