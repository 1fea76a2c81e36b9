"""Buckets through boto3: life cycle, regions, addressing styles, ownership, limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import Server
from tests.spaces.s3 import make_key, s3_client


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_bucket_life_cycle_create_head_list_delete(
    s3: Any, bucket_name: Callable[[], str]
) -> None:
    name = bucket_name()

    s3.create_bucket(Bucket=name)
    s3.head_bucket(Bucket=name)
    listed = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.delete_bucket(Bucket=name)

    assert name in listed
    with pytest.raises(ClientError) as exc:
        s3.head_bucket(Bucket=name)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_create_bucket_with_location_constraint_records_the_slug(
    s3: Any, bucket_name: Callable[[], str]
) -> None:
    name = bucket_name()

    s3.create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ams3"}
    )

    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "ams3"


def test_create_bucket_without_constraint_defaults_to_nyc3(
    s3: Any, bucket: str
) -> None:
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == "nyc3"


@pytest.mark.parametrize("region", ["nyc3", "ams3", "sfo3", "sgp1", "fra1", "syd1"])
def test_regional_endpoint_creates_bucket_in_its_region_whatever_the_signing_region(
    server: Server, key: dict[str, Any], bucket_name: Callable[[], str], region: str
) -> None:
    s3 = s3_client(
        server.url, key, region="us-east-1", virtual_domain=f"{region}.localhost"
    )
    name = bucket_name()

    s3.create_bucket(Bucket=name)

    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == region


def test_list_buckets_on_regional_endpoint_shows_only_that_region(
    server: Server, key: dict[str, Any], bucket_name: Callable[[], str]
) -> None:
    nyc3 = s3_client(server.url, key, virtual_domain="nyc3.localhost")
    ams3 = s3_client(server.url, key, virtual_domain="ams3.localhost")
    in_nyc3, in_ams3 = bucket_name(), bucket_name()
    nyc3.create_bucket(Bucket=in_nyc3)
    ams3.create_bucket(Bucket=in_ams3)

    listed = [b["Name"] for b in ams3.list_buckets()["Buckets"]]

    assert in_ams3 in listed
    assert in_nyc3 not in listed


def test_virtual_host_addressing_round_trips_an_object(
    server: Server, key: dict[str, Any], bucket_name: Callable[[], str]
) -> None:
    s3 = s3_client(server.url, key, region="nyc3", virtual_domain="nyc3.localhost")
    name = bucket_name()
    s3.create_bucket(Bucket=name)

    s3.put_object(Bucket=name, Key="dir/hello.txt", Body=b"virtual")
    body = s3.get_object(Bucket=name, Key="dir/hello.txt")["Body"].read()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]]

    assert body == b"virtual"
    assert keys == ["dir/hello.txt"]


def test_create_existing_bucket_of_another_account_is_bucket_already_exists(
    server: Server, bucket: str, make_client: Any
) -> None:
    other_api = httpx.Client(
        base_url=server.url, headers={"Authorization": "Bearer dop_v1_" + "c" * 64}
    )
    other = s3_client(server.url, make_key(other_api))

    with pytest.raises(ClientError) as exc:
        other.create_bucket(Bucket=bucket)

    assert error_code(exc) == "BucketAlreadyExists"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    other_api.close()


def test_bucket_of_another_account_is_access_denied(
    server: Server, bucket: str
) -> None:
    other_api = httpx.Client(
        base_url=server.url, headers={"Authorization": "Bearer dop_v1_" + "d" * 64}
    )
    other = s3_client(server.url, make_key(other_api))

    with pytest.raises(ClientError) as exc:
        other.list_objects_v2(Bucket=bucket)
    listed = [b["Name"] for b in other.list_buckets()["Buckets"]]

    assert error_code(exc) == "AccessDenied"
    assert bucket not in listed
    other_api.close()


@pytest.mark.parametrize("name", ["UPPER", "ab", "-leading", "under_score", "a" * 64])
def test_create_bucket_with_invalid_name_is_invalid_bucket_name(
    s3: Any, name: str
) -> None:
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=name)

    assert error_code(exc) == "InvalidBucketName"


def test_delete_bucket_with_objects_is_bucket_not_empty(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")

    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket=bucket)

    assert error_code(exc) == "BucketNotEmpty"
    s3.head_bucket(Bucket=bucket)


def test_unknown_bucket_is_no_such_bucket(s3: Any) -> None:
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket="no-such-bucket-here")

    assert error_code(exc) == "NoSuchBucket"


def test_bucket_tagging_is_not_implemented(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_tagging(
            Bucket=bucket, Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}
        )

    assert error_code(exc) == "NotImplemented"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_bucket_encryption_is_not_implemented(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_encryption(Bucket=bucket)

    assert error_code(exc) == "NotImplemented"


def test_bucket_cors_round_trips(s3: Any, bucket: str) -> None:
    rules = [
        {
            "AllowedMethods": ["GET"],
            "AllowedOrigins": ["https://example.com"],
            "MaxAgeSeconds": 600,
        }
    ]

    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    got = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    s3.delete_bucket_cors(Bucket=bucket)

    assert got[0]["AllowedOrigins"] == ["https://example.com"]
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_cors(Bucket=bucket)
    assert error_code(exc) == "NoSuchCORSConfiguration"


def test_bucket_lifecycle_round_trips(s3: Any, bucket: str) -> None:
    rule = {
        "ID": "expire",
        "Status": "Enabled",
        "Filter": {"Prefix": "logs/"},
        "Expiration": {"Days": 7},
    }

    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": [rule]}
    )
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]

    assert got[0]["Expiration"]["Days"] == 7


def test_bucket_versioning_keeps_versions(s3: Any, bucket: str) -> None:
    s3.put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    s3.put_object(Bucket=bucket, Key="v", Body=b"one")
    s3.put_object(Bucket=bucket, Key="v", Body=b"two")

    versions = s3.list_object_versions(Bucket=bucket)["Versions"]

    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert len(versions) == 2


def test_bucket_policy_round_trips(s3: Any, bucket: str) -> None:
    policy = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
        f'"Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}'
    )

    s3.put_bucket_policy(Bucket=bucket, Policy=policy)

    assert "s3:GetObject" in s3.get_bucket_policy(Bucket=bucket)["Policy"]
