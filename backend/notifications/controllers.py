"""Routes of the notifications domain: web push opt-in and per-device settings, the subscription API, the
developer mail page and the admins' dead-job list."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from backend.core.auth import current_user
from backend.core.forms import Form, read_form
from backend.core.guards import PUBLIC, requires_roles, requires_same_origin
from backend.core.i18n import N_, request_locale, translate
from backend.core.roles import Role
from backend.notifications import topics, vapid
from backend.notifications.schemas import MAX_SUBSCRIBE_BYTES, PushKeyOut, SubscribeIn, SubscribeOut
from backend.notifications.services import NotificationsService
from backend.notifications.subscriptions import Device, InvalidSubscription, Preferences, SubscriptionService
from backend.settings import Settings

DEVICE_COOKIE = "hearby_device"
DEVICE_COOKIE_SECONDS = 2 * 365 * 86400

NOT_YOURS = N_("This device's previous subscription could not be confirmed: turn notifications on again.")

JobId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
Flag = Annotated[bool, QueryParameter()]


def dev_tools_only(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """A guard: the route exists only when DEV_TOOLS is on (never in production, where it is a 404)."""
    if not connection.app.state["settings"].dev_tools:
        raise NotFoundException()


class DevMail(Controller):
    """The developer outbox: every email the app has queued, readable without a mail server.

    Public only in development (a local developer tool); `dev_tools_only` makes it a 404 otherwise.
    """

    path = "/dev/mail"
    guards = (dev_tools_only,)
    include_in_schema = False

    @get("/", name="dev_mail", opt=PUBLIC)
    async def index(self, notifications_service: NamedDependency[NotificationsService]) -> Template:
        """The latest emails: subject, recipient, status and time."""
        emails = await notifications_service.recent_emails()
        return Template("notifications/dev_mail.html", context={"emails": emails})

    @get("/{job_id:int}", name="dev_mail_message", opt=PUBLIC)
    async def message(self, notifications_service: NamedDependency[NotificationsService], job_id: JobId) -> Template:
        """One email: its text and its HTML (shown as escaped source, never rendered)."""
        email = await notifications_service.email(job_id)
        if email is None:
            raise NotFoundException()
        return Template("notifications/dev_mail_message.html", context={"email": email})


class OutboxAdmin(Controller):
    """Admins see the jobs that failed for good and can queue them again."""

    path = "/admin/outbox"
    guards = (requires_roles(Role.ADMIN),)
    include_in_schema = False

    @get("/dead", name="outbox_dead")
    async def dead(
        self,
        notifications_service: NamedDependency[NotificationsService],
        retried: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
        missing: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
    ) -> Template:
        """Dead jobs: kind, key, attempts, last error, created."""
        jobs = await notifications_service.dead_jobs()
        return Template("notifications/dead_jobs.html", context={"jobs": jobs, "retried": retried, "missing": missing})

    @post("/{job_id:int}/retry", name="outbox_retry")
    async def retry(
        self,
        request: Request[Any, Any, Any],
        notifications_service: NamedDependency[NotificationsService],
        job_id: JobId,
    ) -> Redirect:
        """Queue a dead job again (audited), then return to the list."""
        retried = await notifications_service.retry_dead_job(job_id, current_user(request))
        query = {"retried": str(job_id)} if retried else {"missing": str(job_id)}
        return Redirect(path="/admin/outbox/dead", query_params=query, status_code=HTTP_303_SEE_OTHER)


def device_token(request: Request[Any, Any, Any]) -> str | None:
    """The device's settings token, from its cookie (other domains pass it to `subscriptions.device_id`)."""
    settings: Settings = request.app.state["settings"]
    return request.cookies.get(settings.cookie_name(DEVICE_COOKIE)) or None


def _device_cookie(settings: Settings, token: str, max_age: int = DEVICE_COOKIE_SECONDS) -> Cookie:
    return Cookie(
        key=settings.cookie_name(DEVICE_COOKIE),
        value=token,
        max_age=max_age,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )


def _topic_choices(request: Request[Any, Any, Any]) -> list[topics.Topic]:
    user = current_user(request)
    return topics.topics_for(set(user.roles) if user is not None else set())


async def _settings_page(
    request: Request[Any, Any, Any],
    subscription_service: SubscriptionService,
    device: Device | None,
    form: Form,
    *,
    saved: bool = False,
    status_code: int = HTTP_200_OK,
) -> Template:
    follow = await subscription_service.follow_choices(request_locale(request)) if device is not None else None
    return Template(
        "notifications/settings.html",
        context={
            "device": device,
            "choices": _topic_choices(request),
            "follow": follow,
            "form": form,
            "errors": form.errors,
            "saved": saved,
        },
        status_code=status_code,
    )


class PushPages(Controller):
    """Turning notifications on for this device, and its settings (also linked from every notification)."""

    path = "/notifications"
    include_in_schema = False

    @get("/", name="notifications_start", opt=PUBLIC)
    async def start(self, request: Request[Any, Any, Any], stopped: Flag = False) -> Template:
        """What notifications bring, the button that asks the browser, and how on iPhone and iPad."""
        settings: Settings = request.app.state["settings"]
        keys = vapid.resolve(settings)
        return Template(
            "notifications/start.html",
            context={
                "choices": _topic_choices(request),
                "public_key": keys.public_key if keys else "",
                "subscribed": device_token(request) is not None,
                "stopped": stopped,
            },
        )

    @get("/settings", name="notifications_settings", opt=PUBLIC)
    async def settings_page(
        self,
        request: Request[Any, Any, Any],
        subscription_service: NamedDependency[SubscriptionService],
        saved: Flag = False,
    ) -> Template:
        """This device's choices — topics, and the areas and categories it follows — in a form that works without
        JavaScript."""
        device = await subscription_service.device(device_token(request))
        form = Form()
        if device is not None:
            form.lists = {
                "topics": sorted(device.topics),
                "areas": sorted(device.areas),
                "categories": sorted(device.categories),
            }
        return await _settings_page(request, subscription_service, device, form, saved=saved)

    @post("/settings", name="notifications_settings_save", opt=PUBLIC)
    async def save(
        self, request: Request[Any, Any, Any], subscription_service: NamedDependency[SubscriptionService]
    ) -> Response[Any]:
        """Save the chosen topics, areas and categories (and this page's language), then show the settings again;
        on a problem, the page again with what was ticked and the message next to the field."""
        form = await read_form(request, list_names=("topics", "areas", "categories"))
        chosen = Preferences(form.lists["topics"], form.lists["areas"], form.lists["categories"])
        token = device_token(request)
        outcome = await subscription_service.save_preferences(
            token, chosen, request_locale(request), current_user(request)
        )
        if outcome.problems:
            for name, message in outcome.problems.items():
                form.add_error(request, name, message)
            device = await subscription_service.device(token)
            return await _settings_page(request, subscription_service, device, form, status_code=HTTP_400_BAD_REQUEST)
        query = {"saved": "true"} if outcome.saved else {}
        return Redirect(path="/notifications/settings", query_params=query, status_code=HTTP_303_SEE_OTHER)

    @post("/settings/stop", name="notifications_stop", opt=PUBLIC)
    async def stop(
        self, request: Request[Any, Any, Any], subscription_service: NamedDependency[SubscriptionService]
    ) -> Redirect:
        """Stop every notification to this device and forget it."""
        settings: Settings = request.app.state["settings"]
        await subscription_service.stop(device_token(request))
        return Redirect(
            path="/notifications",
            query_params={"stopped": "true"},
            status_code=HTTP_303_SEE_OTHER,
            cookies=[_device_cookie(settings, "", max_age=0)],
        )


class PushApi(Controller):
    """The subscription API the opt-in page's script calls with the browser's PushSubscription."""

    path = "/api/v1/push"
    tags = ["notifications"]

    @post(
        "/subscriptions",
        name="push_subscribe",
        opt=PUBLIC,
        guards=[requires_same_origin],
        status_code=HTTP_201_CREATED,
        security=[{}],
        request_max_body_size=MAX_SUBSCRIBE_BYTES,
    )
    async def subscribe(
        self,
        request: Request[Any, Any, Any],
        subscription_service: NamedDependency[SubscriptionService],
        data: JSONBody[SubscribeIn],
    ) -> Response[SubscribeOut]:
        """Subscribe this device (no account needed) to the topics chosen; refuses a malformed subscription
        (bad keys, an endpoint that is not https, too large) with a 4xx and stores nothing. Sets the device's
        settings cookie.

        With `previous` (the subscription the browser replaced, as it gives it) or `renew: true`, this is the
        service worker's `pushsubscriptionchange`: the device keeps its settings, moved to the new subscription,
        if the request proves it holds the old one (its endpoint and auth secret, or the device's cookie); 200,
        or 403 and nothing changed."""
        settings: Settings = request.app.state["settings"]
        user = current_user(request)
        if data.previous is not None or data.renew:
            return await _renew(request, subscription_service, data)
        try:
            token = await subscription_service.subscribe(
                data.subscription.endpoint,
                data.subscription.keys.p256dh,
                data.subscription.keys.auth,
                data.topics,
                request_locale(request),
                user,
            )
        except InvalidSubscription as exc:
            message = translate(request, exc.message)
            raise ValidationException(
                detail=message, extra=[{"key": exc.field, "source": "body", "message": message}]
            ) from exc
        device = await subscription_service.device(token)
        chosen = sorted(device.topics) if device else []
        return Response(
            SubscribeOut(settings_url="/notifications/settings", topics=chosen),
            status_code=HTTP_201_CREATED,
            cookies=[_device_cookie(settings, token)],
        )

    @get("/key", name="push_key", opt=PUBLIC, security=[{}])
    async def key(self, request: Request[Any, Any, Any]) -> PushKeyOut:
        """The VAPID public key devices subscribe with (the service worker's `applicationServerKey` when the browser
        replaces a subscription); empty when web push is off."""
        keys = vapid.resolve(request.app.state["settings"])
        return PushKeyOut(public_key=keys.public_key if keys else "")


async def _renew(
    request: Request[Any, Any, Any], subscription_service: SubscriptionService, data: SubscribeIn
) -> Response[SubscribeOut]:
    previous = (data.previous.endpoint, data.previous.keys.auth) if data.previous is not None else None
    try:
        device = await subscription_service.renew(
            data.subscription.endpoint,
            data.subscription.keys.p256dh,
            data.subscription.keys.auth,
            previous=previous,
            token=device_token(request),
        )
    except InvalidSubscription as exc:
        message = translate(request, exc.message)
        raise ValidationException(
            detail=message, extra=[{"key": exc.field, "source": "body", "message": message}]
        ) from exc
    if device is None:
        raise PermissionDeniedException(detail=translate(request, NOT_YOURS))
    return Response(
        SubscribeOut(settings_url="/notifications/settings", topics=sorted(device.topics)), status_code=HTTP_200_OK
    )


def provide_subscription_service(state: State) -> SubscriptionService:
    """The push subscription service, bound to the app's engine, clock and settings."""
    return SubscriptionService(state["engine"], state["clock"], state["settings"])


def provide_notifications_service(state: State) -> NotificationsService:
    """The notifications service, bound to the app's engine and clock."""
    return NotificationsService(state["engine"], state["clock"])


ROUTE_HANDLERS: list[Any] = [DevMail, OutboxAdmin, PushPages, PushApi]
DEPENDENCIES: dict[str, Provide] = {
    "notifications_service": Provide(provide_notifications_service, sync_to_thread=False),
    "subscription_service": Provide(provide_subscription_service, sync_to_thread=False),
}
