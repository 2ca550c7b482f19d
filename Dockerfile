# Production image: Daphne serving the ASGI app as an unprivileged user.
# Configuration comes from the environment (see README "Configuration"); DJANGO_ENV=production
# refuses to start without DJANGO_SECRET_KEY, DATABASE_URL, REDIS_URL and DJANGO_ALLOWED_HOSTS, and
# while a notification channel members use only records its messages (set the GOV.UK Notify keys,
# EMAIL_URL or WEBHOOK_BACKEND, or NOTIFICATION_CHANNELS_WITHOUT for channels it does without).
# The pages' styles: GOV.UK Frontend from the npm registry, compiled with our settings.
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY partnership/sass ./partnership/sass
RUN mkdir -p build/static/govuk \
    && node_modules/.bin/sass --no-source-map --style=compressed --quiet-deps \
       --load-path=node_modules partnership/sass/app.scss build/static/govuk/app.css \
    && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js build/static/govuk/

FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    DJANGO_VAR_DIR=/tmp/coordinator

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY config ./config
COPY partnership ./partnership
COPY escalation ./escalation
COPY notifications ./notifications
COPY conference ./conference
COPY review ./review
COPY oversight ./oversight
COPY casework ./casework
COPY gold ./gold
COPY --from=assets /build/build/static ./build/static
COPY manage.py .

# collectstatic needs settings but no services: throwaway values for the build step only.
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --no-create-home coordinator

USER coordinator
EXPOSE 8000
# The load balancer checks GET /healthz (200 healthy, 503 when the database or Redis is down),
# sending one of DJANGO_ALLOWED_HOSTS as the Host header.

# One Daphne process per container; run several containers behind the load balancer.
# Run the sender workers from the same image with: python manage.py runsenders
#   (NOTIFICATION_WORKERS is on in production: the web containers write the jobs, these send;
#   run as many as the sending needs, stop them with SIGTERM so the jobs in hand finish)
# Run the scheduler from the same image with: python manage.py runscheduler
# Run migrations once per release with: python manage.py migrate
CMD ["daphne", "--bind", "0.0.0.0", "--port", "8000", "--proxy-headers", "config.asgi:application"]
