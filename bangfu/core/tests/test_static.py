"""Assets every page needs are served by the app itself (no CDN, no 404 in the browser's log)."""

from django.contrib.staticfiles import finders


def test_favicon_ico_leads_to_our_own_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("bangfu/favicon.svg")
    assert finders.find("bangfu/favicon.svg")


def test_every_page_names_the_icon(client):
    assert b'rel="icon"' in client.get("/login/").content
