"""Objects through boto3: bodies, metadata, ranges, listing, tagging, ACLs, multipart."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import Server

MIB = 1024 * 1024


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_put_get_head_delete_object(s3: Any, bucket: str) -> None:
    put = s3.put_object(
        Bucket=bucket, Key="a.txt", Body=b"hello", ContentType="text/plain"
    )

    got = s3.get_object(Bucket=bucket, Key="a.txt")
    head = s3.head_object(Bucket=bucket, Key="a.txt")
    s3.delete_object(Bucket=bucket, Key="a.txt")

    assert got["Body"].read() == b"hello"
    assert put["ETag"] == f'"{hashlib.md5(b"hello").hexdigest()}"'
    assert head["ContentLength"] == 5
    assert head["ContentType"] == "text/plain"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="a.txt")
    assert error_code(exc) == "NoSuchKey"


def test_user_metadata_round_trips(s3: Any, bucket: str) -> None:
    s3.put_object(
        Bucket=bucket, Key="m", Body=b"x", Metadata={"owner": "sammy", "my_field": "1"}
    )

    metadata = s3.head_object(Bucket=bucket, Key="m")["Metadata"]

    assert metadata == {"owner": "sammy", "my_field": "1"}


def test_range_get_returns_the_bytes_asked(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="r", Body=b"0123456789")

    got = s3.get_object(Bucket=bucket, Key="r", Range="bytes=2-5")

    assert got["Body"].read() == b"2345"
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206


def test_key_with_spaces_and_unicode_round_trips(s3: Any, bucket: str) -> None:
    name = "dir/with space+plus/é.txt"

    s3.put_object(Bucket=bucket, Key=name, Body=b"odd")

    assert s3.get_object(Bucket=bucket, Key=name)["Body"].read() == b"odd"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [name]


def test_list_objects_v2_pages_with_continuation_tokens(s3: Any, bucket: str) -> None:
    for i in range(5):
        s3.put_object(Bucket=bucket, Key=f"k{i}", Body=b"x")

    first = s3.list_objects_v2(Bucket=bucket, MaxKeys=2)
    second = s3.list_objects_v2(
        Bucket=bucket, MaxKeys=2, ContinuationToken=first["NextContinuationToken"]
    )
    keys = [o["Key"] for o in first["Contents"] + second["Contents"]]

    assert first["IsTruncated"] is True
    assert keys == ["k0", "k1", "k2", "k3"]


def test_list_objects_v2_with_url_encoding_and_delimiter(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="photos/a b.jpg", Body=b"x")
    s3.put_object(Bucket=bucket, Key="top.txt", Body=b"x")

    listed = s3.list_objects_v2(Bucket=bucket, Delimiter="/", EncodingType="url")

    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["photos/"]
    assert [o["Key"] for o in listed["Contents"]] == ["top.txt"]


def test_copy_object_copies_body(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"copy me")

    s3.copy_object(
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"}
    )

    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"copy me"


def test_delete_objects_removes_them_all(s3: Any, bucket: str) -> None:
    for name in ("a", "b"):
        s3.put_object(Bucket=bucket, Key=name, Body=b"x")

    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}]})

    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_object_tagging_round_trips(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="t", Body=b"x")

    s3.put_object_tagging(
        Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "env", "Value": "ci"}]}
    )
    tags = s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"]
    s3.delete_object_tagging(Bucket=bucket, Key="t")

    assert tags == [{"Key": "env", "Value": "ci"}]
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []


def test_public_read_object_is_readable_anonymously(
    server: Server, s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="public.txt", Body=b"for all", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="private.txt", Body=b"secret")

    public = httpx.get(f"{server.url}/{bucket}/public.txt")
    private = httpx.get(f"{server.url}/{bucket}/private.txt")

    assert public.status_code == 200
    assert public.content == b"for all"
    assert private.status_code == 403
    assert "<Code>AccessDenied</Code>" in private.text


def test_put_object_acl_makes_it_public(server: Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="later.txt", Body=b"x")

    s3.put_object_acl(Bucket=bucket, Key="later.txt", ACL="public-read")
    grants = s3.get_object_acl(Bucket=bucket, Key="later.txt")["Grants"]

    assert any(g["Permission"] == "READ" for g in grants)
    assert httpx.get(f"{server.url}/{bucket}/later.txt").status_code == 200


def test_canned_acl_other_than_private_or_public_read_is_refused(
    s3: Any, bucket: str
) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="x", Body=b"x", ACL="authenticated-read")

    assert error_code(exc) == "InvalidArgument"
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_multipart_upload_list_and_complete(s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
    part1 = s3.upload_part(
        Bucket=bucket, Key="big", UploadId=upload, PartNumber=1, Body=b"a" * (5 * MIB)
    )
    part2 = s3.upload_part(
        Bucket=bucket, Key="big", UploadId=upload, PartNumber=2, Body=b"b" * 10
    )

    listed = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    parts = s3.list_parts(Bucket=bucket, Key="big", UploadId=upload)["Parts"]
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big",
        UploadId=upload,
        MultipartUpload={
            "Parts": [
                {"PartNumber": 1, "ETag": part1["ETag"]},
                {"PartNumber": 2, "ETag": part2["ETag"]},
            ]
        },
    )

    assert [u["UploadId"] for u in listed] == [upload]
    assert [p["PartNumber"] for p in parts] == [1, 2]
    assert done["Location"].startswith("http://127.0.0.1:")
    assert s3.head_object(Bucket=bucket, Key="big")["ContentLength"] == 5 * MIB + 10


def test_multipart_abort_forgets_the_upload(s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="gone")["UploadId"]

    s3.abort_multipart_upload(Bucket=bucket, Key="gone", UploadId=upload)

    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.list_parts(Bucket=bucket, Key="gone", UploadId=upload)
    assert error_code(exc) == "NoSuchUpload"


def test_presigned_get_and_put_work_with_plain_http(
    server: Server, s3: Any, bucket: str
) -> None:
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=60
    )
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=60
    )

    put = httpx.put(put_url, content=b"presigned")
    got = httpx.get(get_url)

    assert put.status_code == 200
    assert got.content == b"presigned"


def test_presigned_url_with_tampered_key_is_signature_does_not_match(
    s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="one", Body=b"1")
    s3.put_object(Bucket=bucket, Key="two", Body=b"2")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "one"}, ExpiresIn=60
    )

    answer = httpx.get(url.replace("/one?", "/two?"))

    assert answer.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in answer.text


def test_cors_preflight_follows_the_bucket_rules(
    server: Server, s3: Any, bucket: str
) -> None:
    rules = [{"AllowedMethods": ["GET"], "AllowedOrigins": ["https://app.example.com"]}]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})

    answer = httpx.options(
        f"{server.url}/{bucket}/x",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "GET",
        },
    )

    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "https://app.example.com"
