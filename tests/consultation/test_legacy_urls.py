"""The single-consultation site's URLs keep working: printed QR codes, links in the city's PDFs and
API clients reach the first consultation through a permanent redirect that keeps the method."""

from urllib.parse import urlsplit

import pytest

FIRST = "kumamoto-ward-offices-h26"


@pytest.mark.parametrize("old, new", [
    ("/topics/roles", f"/c/{FIRST}/topics/roles"),
    ("/topics/roles/comment?section=current", f"/c/{FIRST}/topics/roles/comment?section=current"),
    ("/results", f"/c/{FIRST}/results"),
    ("/results/open-data.csv", f"/c/{FIRST}/results/open-data.csv"),
    ("/staff/consultation", f"/staff/c/{FIRST}"),
    ("/staff/consultation/settings", f"/staff/c/{FIRST}/settings"),
    ("/staff/workshops/", f"/staff/c/{FIRST}/workshops/"),
    ("/staff/review?ward=chuo", f"/staff/c/{FIRST}/review?ward=chuo"),
    ("/staff/moderation/12", f"/staff/c/{FIRST}/moderation/12"),
    ("/api/v1/topics", f"/api/v1/consultations/{FIRST}/topics"),
    ("/api/v1/comments?page=2", f"/api/v1/consultations/{FIRST}/comments?page=2"),
])
def test_old_urls_redirect_permanently_into_the_first_consultation(client, old, new):
    response = client.get(old)
    assert response.status_code == 308 and response.headers["Location"] == new


def test_a_post_to_an_old_url_keeps_its_method(client):
    response = client.post("/api/v1/votes", json={"topic": "roles"})
    assert response.status_code == 308
    followed = client.post(response.headers["Location"], json={"topic": "roles"})
    assert followed.status_code == 422  # reached the vote API, which asks for the missing fields


def test_the_redirect_never_leaves_the_site(client):
    for old in ("/topics//evil.example", "/topics/%2F%2Fevil.example", "/topics/\\evil.example"):
        location = client.get(old).headers.get("Location", "")
        parts = urlsplit(location)
        assert parts.netloc in ("", "localhost") and not parts.path.startswith("//"), location
