"""Credentials as Spaces checks them: signatures, key grants, deleted and unknown keys."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import Any

import boto3
import botocore.auth
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import Server
from tests.spaces.s3 import make_key, s3_client


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_forged_signature_is_signature_does_not_match(
    server: Server, key: dict[str, Any]
) -> None:
    forged = s3_client(server.url, key, secret="not-the-secret-" + "x" * 28)

    with pytest.raises(ClientError) as exc:
        forged.list_buckets()

    assert error_code(exc) == "SignatureDoesNotMatch"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_forged_signature_cannot_create_a_bucket(
    server: Server, s3: Any, key: dict[str, Any], bucket_name: Callable[[], str]
) -> None:
    forged = s3_client(server.url, key, secret="f" * 43)
    name = bucket_name()

    with pytest.raises(ClientError):
        forged.create_bucket(Bucket=name)

    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_unknown_access_key_is_invalid_access_key_id(server: Server) -> None:
    stranger = s3_client(
        server.url, {"access_key": "DO00UNKNOWNKEY000000", "secret_key": "s" * 43}
    )

    with pytest.raises(ClientError) as exc:
        stranger.list_buckets()

    assert error_code(exc) == "InvalidAccessKeyId"


def test_any_signing_region_is_accepted(server: Server, key: dict[str, Any]) -> None:
    for region in ("us-east-1", "nyc3", "eu-west-1", "whatever"):
        s3_client(server.url, key, region=region).list_buckets()


def test_stale_signature_is_request_time_too_skewed(
    server: Server, key: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = s3_client(server.url, key)
    an_hour_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: an_hour_ago)

    with pytest.raises(ClientError) as exc:
        s3.list_buckets()

    assert error_code(exc) == "RequestTimeTooSkewed"


def test_expired_presigned_url_is_access_denied(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=1
    )
    time.sleep(2.1)

    answer = httpx.get(url)

    assert answer.status_code == 403
    assert "<Code>AccessDenied</Code>" in answer.text


def test_sigv2_presigned_url_works_like_s3cmd_signurl(
    server: Server, key: dict[str, Any], s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="v2.txt", Body=b"legacy")
    v2 = boto3.client(
        "s3",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=key["access_key"],
        aws_secret_access_key=key["secret_key"],
        config=Config(signature_version="s3", s3={"addressing_style": "path"}),
    )
    url = v2.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "v2.txt"}, ExpiresIn=60
    )

    good = httpx.get(url)
    forged = httpx.get(url.replace("Signature=", "Signature=AAAA"))

    assert "AWSAccessKeyId=" in url
    assert good.content == b"legacy"
    assert forged.status_code == 403


def test_read_key_can_read_but_not_write(
    server: Server, api: httpx.Client, s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="r", Body=b"readable")
    reader = s3_client(
        server.url, make_key(api, [{"bucket": bucket, "permission": "read"}])
    )

    body = reader.get_object(Bucket=bucket, Key="r")["Body"].read()
    with pytest.raises(ClientError) as put:
        reader.put_object(Bucket=bucket, Key="w", Body=b"no")
    with pytest.raises(ClientError) as delete:
        reader.delete_object(Bucket=bucket, Key="r")

    assert body == b"readable"
    assert error_code(put) == "AccessDenied"
    assert error_code(delete) == "AccessDenied"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["r"]


def test_readwrite_key_writes_objects_but_not_bucket_settings(
    server: Server, api: httpx.Client, bucket: str
) -> None:
    writer = s3_client(
        server.url, make_key(api, [{"bucket": bucket, "permission": "readwrite"}])
    )

    writer.put_object(Bucket=bucket, Key="w", Body=b"ok")
    with pytest.raises(ClientError) as exc:
        writer.put_bucket_cors(
            Bucket=bucket,
            CORSConfiguration={
                "CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]
            },
        )

    assert error_code(exc) == "AccessDenied"


def test_key_for_bucket_a_cannot_touch_bucket_b(
    server: Server, api: httpx.Client, s3: Any, bucket_name: Callable[[], str]
) -> None:
    a, b = bucket_name(), bucket_name()
    s3.create_bucket(Bucket=a)
    s3.create_bucket(Bucket=b)
    only_a = s3_client(
        server.url, make_key(api, [{"bucket": a, "permission": "readwrite"}])
    )

    only_a.put_object(Bucket=a, Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        only_a.put_object(Bucket=b, Key="k", Body=b"x")

    assert error_code(exc) == "AccessDenied"
    assert s3.list_objects_v2(Bucket=b)["KeyCount"] == 0


def test_limited_key_cannot_list_or_create_buckets(
    server: Server, api: httpx.Client, bucket: str, bucket_name: Callable[[], str]
) -> None:
    limited = s3_client(
        server.url, make_key(api, [{"bucket": bucket, "permission": "readwrite"}])
    )

    with pytest.raises(ClientError) as listing:
        limited.list_buckets()
    with pytest.raises(ClientError) as creating:
        limited.create_bucket(Bucket=bucket_name())

    assert error_code(listing) == "AccessDenied"
    assert error_code(creating) == "AccessDenied"


def test_key_without_grants_can_do_nothing(
    server: Server, api: httpx.Client, bucket: str
) -> None:
    revoked = s3_client(server.url, make_key(api, []))

    with pytest.raises(ClientError) as exc:
        revoked.list_objects_v2(Bucket=bucket)

    assert error_code(exc) == "AccessDenied"


def test_deleted_key_stops_working_at_once(server: Server, api: httpx.Client) -> None:
    key = make_key(api)
    s3 = s3_client(server.url, key)
    s3.list_buckets()

    assert api.delete(f"/v2/spaces/keys/{key['access_key']}").status_code == 204
    with pytest.raises(ClientError) as exc:
        s3.list_buckets()

    assert error_code(exc) == "InvalidAccessKeyId"


def test_narrowed_grants_apply_at_once(
    server: Server, api: httpx.Client, s3: Any, bucket: str
) -> None:
    key = make_key(api, [{"bucket": bucket, "permission": "readwrite"}])
    scoped = s3_client(server.url, key)
    scoped.put_object(Bucket=bucket, Key="before", Body=b"x")

    api.put(
        f"/v2/spaces/keys/{key['access_key']}",
        json={"grants": [{"bucket": bucket, "permission": "read"}]},
    )
    with pytest.raises(ClientError) as exc:
        scoped.put_object(Bucket=bucket, Key="after", Body=b"x")

    assert error_code(exc) == "AccessDenied"


def test_error_answer_is_spaces_xml(server: Server, s3: Any) -> None:
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "missing-bucket-x", "Key": "k"}
    )

    answer = httpx.get(url)

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/xml"
    assert "<Code>NoSuchBucket</Code>" in answer.text
    assert "<RequestId>tx" in answer.text


def test_control_plane_reset_of_a_tenant_clears_its_buckets(
    server: Server, api: httpx.Client, token: str, s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")

    server.control("POST", "/reset", json={"token": token}).raise_for_status()
    fresh = s3_client(server.url, make_key(api))

    assert bucket not in [b["Name"] for b in fresh.list_buckets()["Buckets"]]
    fresh.create_bucket(Bucket=bucket)
    assert fresh.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


POLICY = (
    '{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*",'
    '"Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}'
)


def test_bucket_policy_is_refused_where_a_limited_key_reaches(
    api: httpx.Client, s3: Any, bucket: str
) -> None:
    make_key(api, [{"bucket": bucket, "permission": "read"}])

    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=bucket, Policy=POLICY.format(bucket=bucket))

    assert error_code(exc) == "InvalidArgument"
    with pytest.raises(ClientError) as missing:
        s3.get_bucket_policy(Bucket=bucket)
    assert error_code(missing) == "NoSuchBucketPolicy"


def test_limited_key_is_refused_on_a_bucket_with_a_policy(
    api: httpx.Client, s3: Any, bucket: str
) -> None:
    s3.put_bucket_policy(Bucket=bucket, Policy=POLICY.format(bucket=bucket))

    answer = api.post(
        "/v2/spaces/keys",
        json={"name": "x", "grants": [{"bucket": bucket, "permission": "read"}]},
    )

    assert answer.status_code == 400
    assert answer.json()["id"] == "bad_request"
    assert "bucket policy" in answer.json()["message"]


def test_copy_from_a_bucket_of_another_account_is_access_denied(
    server: Server, s3: Any, bucket: str, bucket_name: Callable[[], str]
) -> None:
    s3.put_object(Bucket=bucket, Key="private", Body=b"mine")
    other_api = httpx.Client(
        base_url=server.url, headers={"Authorization": "Bearer dop_v1_" + "e" * 64}
    )
    other = s3_client(server.url, make_key(other_api))
    theirs = bucket_name()
    other.create_bucket(Bucket=theirs)

    with pytest.raises(ClientError) as exc:
        other.copy_object(
            Bucket=theirs, Key="stolen", CopySource={"Bucket": bucket, "Key": "private"}
        )

    assert error_code(exc) == "AccessDenied"
    assert other.list_objects_v2(Bucket=theirs)["KeyCount"] == 0
    other_api.close()
