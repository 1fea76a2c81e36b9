"""Billing: balance, billing history, invoices (JSON, CSV and PDF) and insights.

Nothing is charged. The month to date is priced from what the account holds:
each droplet's size at its hourly price since it was created (or since the
month began), capped at the monthly price, as DigitalOcean bills; volumes
likewise by their size. What was destroyed this month is no longer charged
(a known gap: the real invoice keeps the hours it ran). The three
months before the current one have a fixed history per account (its items
picked from the account's uuid, so the same on every call), each invoiced on the
first of the next month and paid three days later; the balance is then zero
plus the month to date. Invoice and item ids are derived, never stored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter
from starlette.responses import Response

from emulator.core import resources
from emulator.core.context import Ctx, authorized
from emulator.core.errors import BadRequest, NotFound
from emulator.core.pagination import PageDep
from emulator.core.responses import raw

router = APIRouter()
PAST_MONTHS = 3
# DigitalOcean bills by the hour up to 672 hours (four weeks) a month.
BILLABLE_HOURS = 672
VOLUME_GB_MONTHLY = 0.10
CSV_COLUMNS = (
    "product,group_description,description,hours,start,end,USD,project_name,category"
)

# What a past month may have held: product, group, description, hours, amount.
_PAST_ITEMS = (
    ("Droplets", "web-01", "s-1vcpu-1gb", 744, 6.00),
    ("Droplets", "worker-01", "s-2vcpu-4gb", 744, 24.00),
    ("Volumes", "", "data-volume (100 GiB)", 744, 10.00),
    ("Spaces Subscription", "", "Spaces (250 GiB storage, 1 TiB transfer)", 744, 5.00),
    ("Reserved IPs", "", "Unused Reserved IP", 120, 0.81),
    ("Snapshots", "", "web-01 snapshot (12.5 GiB)", 744, 0.75),
)


@dataclass
class Invoice:
    period: str  # "2026-09"
    start: datetime
    end: datetime
    items: list[dict[str, Any]]
    uuid: str
    number: str
    updated_at: str

    @property
    def amount(self) -> float:
        return round(sum(float(item["amount"]) for item in self.items), 2)


def _now(ctx: Ctx) -> datetime:
    return datetime.fromtimestamp(ctx.clock.now(), UTC)


def _month_start(moment: datetime, back: int = 0) -> datetime:
    year, month = moment.year, moment.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return datetime(year, month, 1, tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _item(
    product: str,
    group: str,
    description: str,
    hours: float,
    amount: float,
    start: datetime,
    end: datetime,
    resource: tuple[str, str] = ("", ""),
) -> dict[str, Any]:
    return {
        "product": product,
        "resource_uuid": resource[0],
        "resource_id": resource[1],
        "group_description": group,
        "description": description,
        "amount": f"{amount:.2f}",
        "duration": str(int(hours)),
        "duration_unit": "Hours",
        "start_time": _stamp(start),
        "end_time": _stamp(end),
        "project_name": "",
    }


def _invoice(ctx: Ctx, start: datetime, items: list[dict[str, Any]]) -> Invoice:
    period = start.strftime("%Y-%m")
    name = f"{ctx.tenant.uuid}/{period}"
    number = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % 900_000_000
    end = _month_start(start + timedelta(days=32))
    return Invoice(
        period=period,
        start=start,
        end=end,
        items=items,
        uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"do-emulator:invoice:{name}")),
        number=str(100_000_000 + number),
        updated_at=_stamp(end + timedelta(hours=6)),
    )


def _past(ctx: Ctx, back: int) -> Invoice:
    start = _month_start(_now(ctx), back)
    end = _month_start(start + timedelta(days=32))
    seed = hashlib.sha256(f"{ctx.tenant.uuid}:{back}".encode()).digest()
    chosen = [row for n, row in enumerate(_PAST_ITEMS) if seed[n] % 3 or n == 0]
    items = [_item(*row, start=start, end=end) for row in chosen]
    return _invoice(ctx, start, items)


def _hours_since(
    created_at: str, start: datetime, now: datetime
) -> tuple[datetime, float]:
    created = datetime.strptime(created_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    since = max(created, start)
    return since, max((now - since).total_seconds() / 3600, 0)


def _month_to_date(ctx: Ctx) -> Invoice:
    """The current month so far, priced from the account's droplets and volumes."""
    now = _now(ctx)
    start = _month_start(now)
    items = []
    for droplet in ctx.tenant.collection("droplet").ordered():
        since, hours = _hours_since(droplet["created_at"], start, now)
        size = droplet["size"]
        amount = min(hours * size["price_hourly"], size["price_monthly"])
        description = f"{droplet['name']} ({size['slug']})"
        items.append(
            _item(
                "Droplets",
                droplet["name"],
                description,
                max(hours, 1),
                amount,
                since,
                now,
                ("", droplet.id),
            )
        )
    for volume in ctx.tenant.collection("volume").ordered():
        since, hours = _hours_since(
            volume.data.get("created_at", now.strftime("%Y-%m-%dT%H:%M:%SZ")),
            start,
            now,
        )
        monthly = (volume.data.get("size_gigabytes") or 0) * VOLUME_GB_MONTHLY
        amount = min(hours * monthly / BILLABLE_HOURS, monthly)
        description = f"{volume.data.get('name', volume.id)} ({volume.data.get('size_gigabytes')} GiB)"
        items.append(
            _item(
                "Volumes",
                "",
                description,
                max(hours, 1),
                amount,
                since,
                now,
                (volume.id, ""),
            )
        )
    return _invoice(ctx, start, items)


def _invoices(ctx: Ctx) -> list[Invoice]:
    """Past invoices, newest first, as the API lists them."""
    return [_past(ctx, back) for back in range(1, PAST_MONTHS + 1)]


def _find(ctx: Ctx, invoice_uuid: str) -> Invoice:
    candidates = [*_invoices(ctx), _month_to_date(ctx)]
    found = next((i for i in candidates if i.uuid == invoice_uuid), None)
    if found is None:
        raise NotFound()
    return found


def _listing(invoice: Invoice) -> dict[str, Any]:
    return {
        "invoice_uuid": invoice.uuid,
        "invoice_id": invoice.number,
        "amount": f"{invoice.amount:.2f}",
        "invoice_period": invoice.period,
        "updated_at": invoice.updated_at,
    }


@router.get("/v2/customers/my/balance")
async def get_balance(ctx: Annotated[Ctx, authorized("billing:read")]) -> Response:
    usage = _month_to_date(ctx).amount
    return raw(
        {
            "month_to_date_balance": f"{usage:.2f}",
            "account_balance": "0.00",
            "month_to_date_usage": f"{usage:.2f}",
            "generated_at": resources.now(ctx),
        }
    )


@router.get("/v2/customers/my/billing_history")
async def list_billing_history(
    ctx: Annotated[Ctx, authorized("billing:read")], page: PageDep
) -> Response:
    history = []
    for invoice in _invoices(ctx):
        history.append(
            {
                "description": f"Payment (invoice {invoice.number})",
                "amount": f"-{invoice.amount:.2f}",
                "date": _stamp(invoice.end + timedelta(days=3, hours=8)),
                "type": "Payment",
            }
        )
        history.append(
            {
                "description": f"Invoice for {invoice.start.strftime('%B %Y')}",
                "amount": f"{invoice.amount:.2f}",
                "invoice_id": invoice.number,
                "invoice_uuid": invoice.uuid,
                "date": _stamp(invoice.end + timedelta(hours=8)),
                "type": "Invoice",
            }
        )
    return page.respond_data("billing_history", history)


@router.get("/v2/customers/my/invoices")
async def list_invoices(
    ctx: Annotated[Ctx, authorized("billing:read")], page: PageDep
) -> Response:
    invoices = [_listing(invoice) for invoice in _invoices(ctx)]
    preview = _listing(_month_to_date(ctx))
    preview["updated_at"] = resources.now(ctx)
    total = len(invoices)
    return raw(
        {
            "invoices": list(page.slice(invoices)),
            "invoice_preview": preview,
            "links": page.links(total),
            "meta": {"total": total},
        }
    )


@router.get("/v2/customers/my/invoices/{invoice_uuid}")
async def get_invoice(
    ctx: Annotated[Ctx, authorized("billing:read")], invoice_uuid: str, page: PageDep
) -> Response:
    return page.respond_data("invoice_items", _find(ctx, invoice_uuid).items)


@router.get("/v2/customers/my/invoices/{invoice_uuid}/csv")
async def get_invoice_csv(
    ctx: Annotated[Ctx, authorized("billing:read")], invoice_uuid: str
) -> Response:
    invoice = _find(ctx, invoice_uuid)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS.split(","))
    for item in invoice.items:
        writer.writerow(
            [
                item["product"],
                item["group_description"],
                item["description"],
                item["duration"],
                _csv_time(item["start_time"]),
                _csv_time(item["end_time"]),
                f"${item['amount']}",
                item["project_name"],
                "iaas",
            ]
        )
    headers = {"content-disposition": f'attachment; filename="{invoice.number}.csv"'}
    return Response(out.getvalue(), media_type="text/csv", headers=headers)


def _csv_time(stamp: str) -> str:
    """The CSV's own format: `2020-07-01 00:00:00 +0000`."""
    return stamp.replace("T", " ").replace("Z", " +0000")


@router.get("/v2/customers/my/invoices/{invoice_uuid}/pdf")
async def get_invoice_pdf(
    ctx: Annotated[Ctx, authorized("billing:read")], invoice_uuid: str
) -> Response:
    invoice = _find(ctx, invoice_uuid)
    lines = [
        f"DigitalOcean invoice {invoice.number}",
        f"Billing period {invoice.period}  -  {ctx.tenant.email}",
        "",
        *(
            f"{i['product']}  {i['description']}  {i['duration']} h  ${i['amount']}"
            for i in invoice.items
        ),
        "",
        f"Total due: ${invoice.amount:.2f}",
    ]
    headers = {"content-disposition": f'attachment; filename="{invoice.number}.pdf"'}
    return Response(pdf_document(lines), media_type="application/pdf", headers=headers)


def pdf_document(lines: list[str]) -> bytes:
    """A one-page PDF 1.4 document showing `lines` in Helvetica, with a correct xref."""
    text = ["BT", "/F1 11 Tf", "14 TL", "56 780 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        text.append(f"({escaped.encode('latin-1', 'replace').decode('latin-1')}) Tj T*")
    text.append("ET")
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


@router.get("/v2/customers/my/invoices/{invoice_uuid}/summary")
async def get_invoice_summary(
    ctx: Annotated[Ctx, authorized("billing:read")], invoice_uuid: str
) -> Response:
    invoice = _find(ctx, invoice_uuid)
    products: dict[str, tuple[float, int]] = {}
    for item in invoice.items:
        amount, count = products.get(item["product"], (0.0, 0))
        products[item["product"]] = (amount + float(item["amount"]), count + 1)
    zero = "0.00"
    return raw(
        {
            "invoice_uuid": invoice.uuid,
            "invoice_id": invoice.number,
            "billing_period": invoice.period,
            "amount": f"{invoice.amount:.2f}",
            "user_name": "Sammy the Shark",
            "user_company": "",
            "user_email": ctx.tenant.email,
            "product_charges": {
                "name": "Product usage charges",
                "amount": f"{invoice.amount:.2f}",
                "items": [
                    {"amount": f"{amount:.2f}", "name": name, "count": str(count)}
                    for name, (amount, count) in products.items()
                ],
            },
            "overages": {"name": "Overages", "amount": zero},
            "taxes": {"name": "Taxes", "amount": zero},
            "credits_and_adjustments": {
                "name": "Credits & adjustments",
                "amount": zero,
            },
        }
    )


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{text} is not a date (YYYY-MM-DD)") from None


@router.get("/v2/billing/{account_urn}/insights/{start_date}/{end_date}")
async def list_billing_insights(
    ctx: Annotated[Ctx, authorized("billing:read")],
    account_urn: str,
    start_date: str,
    end_date: str,
    page: PageDep,
) -> Response:
    """One data point per item and month, dated the later of its month and `start_date`."""
    if account_urn != f"do:team:{ctx.tenant.uuid}":
        raise NotFound()
    first, last = _date(start_date), _date(end_date)
    if last < first:
        raise BadRequest("end_date must not be before start_date")

    points = []
    for invoice in [_month_to_date(ctx), *_invoices(ctx)]:
        month_first, month_last = invoice.start.date(), invoice.end.date()
        if month_last <= first or month_first > last:
            continue
        for item in invoice.items:
            points.append(
                {
                    "usage_team_urn": account_urn,
                    "start_date": max(month_first, first).isoformat(),
                    "total_amount": item["amount"],
                    "region": "nyc3",
                    "sku": f"1-DO-{item['product'][:4].upper()}-0001",
                    "description": item["description"],
                    "group_description": item["group_description"],
                }
            )
    pages = max((len(points) + page.per_page - 1) // page.per_page, 1)
    return raw(
        {
            "data_points": list(page.slice(points)),
            "total_items": len(points),
            "total_pages": pages,
            "current_page": page.page,
        }
    )
