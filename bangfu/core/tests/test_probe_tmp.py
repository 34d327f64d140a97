import re, traceback
import pytest
from bangfu.core.tests.test_permissions import pages, url_for

HOSTILE = ["-1", "99999999999999999999", "abc", "2016-13-45", "9999-12-31", "\x00", "a"*3000]
XHOSTILE = ["-1", "0", "99999999999999999999", "abc", "", "1e309", "nan", "2016-13-45", "9999-12-31", "0001-01-01", "\x00", "1,2", "a"*3000, "1.5", "١٢", "-99999999999999999999"]
COMMON = ["page", "per_page", "sort", "campaign", "unit", "branch", "region", "village", "year", "month", "q", "_export", "date_from", "date_to", "kind", "state", "scheme", "indicator", "period", "household", "code", "field", "everywhere", "level"]

@pytest.mark.django_db
@pytest.mark.timeout(5000)
def test_probe(client, world):
    client.force_login(world.users["office"])
    client.raise_request_exception = True
    f = open("/tmp/input15probe/out.txt","w")
    def log(x):
        f.write(repr(x)+"\n"); f.flush()
    for page in pages():
        url = url_for(page, world)
        try:
            r = client.get(url)
        except Exception as e:
            log((page.name, "BASE", repr(e)[:200])); continue
        names = set(COMMON)
        if r.status_code == 200 and r.get("Content-Type","").startswith("text/html"):
            names |= set(re.findall(r'name="([^"]+)"', r.content.decode()))
        names.discard("csrfmiddlewaretoken")
        fs = getattr(page.view_class, "filterset_class", None)
        if fs: names |= set(fs.base_filters)
        for n in sorted(names):
            for v in HOSTILE:
                if n == "_export" and v: continue
                try:
                    r = client.get(url, {n: v})
                    if r.status_code >= 500: log((page.name, n, v[:20], r.status_code))
                except Exception as e:
                    log((page.name, n, v[:20], type(e).__name__, str(e)[:100]))
