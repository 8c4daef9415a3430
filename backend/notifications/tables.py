"""Push subscriptions (one per device, no account needed) and a delivery record per push attempt."""

from __future__ import annotations

from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class PushSubscription(Table, tablename="push_subscription"):
    """A device's web push subscription, its language and what it wants to hear about.

    `topics`, `areas` and `categories` are comma-wrapped lists (",reminders,report_updates,") so one LIKE
    finds the devices that chose a topic on SQLite and PostgreSQL alike.
    """

    id: Serial
    endpoint = Varchar(length=1024, unique=True)
    p256dh = Varchar(length=100)
    auth = Varchar(length=40)
    token_hash = Varchar(length=64, unique=True)  # SHA-256 of the device's private settings link token
    locale = Varchar(length=8, default="en")
    topics = Text(default=",")
    areas = Text(default=",")  # districts/divisions followed, by code
    categories = Text(default=",")  # event categories followed, by id
    user_id = Integer(null=True, default=None, index=True)  # set when subscribed while signed in
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class PushDelivery(Table, tablename="push_delivery"):
    """One attempt to hand one push job to a push service, and what it answered."""

    id: Serial
    job_id = Integer(index=True)
    subscription_id = Integer(index=True)
    message_key = Varchar(length=120, default="")
    attempt = Integer(default=1)
    status_code = Integer(null=True, default=None)  # the push service's HTTP status, None on a network error
    outcome = Varchar(length=12)  # delivered, retry, gone, failed
    error = Text(default="")
    at = Timestamptz(default=TimestamptzNow(), index=True)


class ExchangeDevice(Table, tablename="push_exchange_device"):
    """The device a Listening Exchange request was made from (its push subscription's id only), so its reminders
    can come by push. Goes with the subscription or the request's identifying data."""

    id: Serial
    request_id = Integer(unique=True)
    subscription_id = Integer(index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class ReportDevice(Table, tablename="push_report_device"):
    """The device a tension report was made from (its push subscription's id only: no IP, no token), so that
    device can hear of the report's updates. Goes with the subscription or the report."""

    id: Serial
    report_id = Integer(unique=True)
    subscription_id = Integer(index=True)
    created_at = Timestamptz(default=TimestamptzNow())
