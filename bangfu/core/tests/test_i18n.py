"""Chinese first, English complete: every translatable string has an English translation."""

import re
from pathlib import Path

import polib
import pytest
from django.urls import reverse

from bangfu.accounts.models import User

PACKAGE = Path(__file__).resolve().parents[2]
PO = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
HAN = re.compile(r"[\u4e00-\u9fff]")

PY_STRINGS = re.compile(r"""\b(?:_|gettext|gettext_lazy)\(\s*"((?:[^"\\]|\\.)*)"\s*\)""")
PY_CONTEXT_STRINGS = re.compile(r"""\bpgettext(?:_lazy)?\(\s*"[^"]+",\s*"([^"]+)"\s*\)""")
TEMPLATE_STRINGS = re.compile(r"""{%\s*translate\s+"([^"]+)"|{%\s*translate\s+'([^']+)'""")
BLOCK_STRINGS = re.compile(r"{%\s*blocktranslate[^%]*%}(.*?){%\s*endblocktranslate\s*%}", re.S)


def source_strings() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts or path.name == "conftest.py" or "migrations" in path.parts:
            continue
        found.update(
            m.encode().decode("unicode_escape") if "\\" in m else m
            for m in PY_STRINGS.findall(path.read_text(encoding="utf-8"))
        )
    for path in PACKAGE.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for double, single in TEMPLATE_STRINGS.findall(text):
            found.add(double or single)
        # As makemessages does: a literal % doubles, {{ var }} becomes %(var)s.
        found.update(
            re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", block.replace("%", "%%"))
            for block in BLOCK_STRINGS.findall(text)
        )
    return {s for s in found if HAN.search(s)}


def test_every_translatable_string_is_in_the_english_catalogue():
    catalogue = {e.msgid for e in polib.pofile(str(PO))}
    missing = sorted(source_strings() - catalogue)
    assert not missing, f"run `make messages` and translate: {missing[:10]}"


def test_the_english_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(PO))
    assert not po.untranslated_entries()
    assert not po.fuzzy_entries()
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(MO)) if e.msgid}
    source = {(e.msgctxt, e.msgid): e.msgstr for e in po if not e.obsolete}
    assert source == compiled, "the .mo is stale: run `make messages`"


PAGES = [
    "dashboard:index",
    "orgs:unit_list",
    "orgs:branch_list",
    "orgs:member_list",
    "geo:region_list",
    "registry:household_list",
    "campaigns:pairing_list",
    "ledger:activity_list",
    "orgs:unit_add",
    "orgs:branch_add",
    "orgs:member_add",
    "registry:household_add",
    "campaigns:pairing_add",
    "ledger:activity_add",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_english_pages_show_no_chinese_text_of_their_own(client, name):
    """With no records, any Chinese on an English page is an untranslated string."""
    user = User.objects.create(username="office-en", role="office")
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse(name)).content.decode()
    body = body.replace('lang="zh-hans">中文', "")  # the switch back to Chinese
    leftovers = sorted(set(HAN.findall(body)))
    assert not leftovers, f"untranslated Chinese on {name}: {''.join(leftovers)[:60]}"


@pytest.mark.django_db
def test_login_page_in_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("login")).content.decode()
    body = body.replace('value="zh-hans">中文', "")
    assert not HAN.findall(body)
