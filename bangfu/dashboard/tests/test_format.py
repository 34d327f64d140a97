from decimal import Decimal

from django.utils import translation

from bangfu.dashboard.templatetags.figures import figure


def test_chinese_number_formats():
    with translation.override("zh-hans"):
        assert figure(2152, "户") == "2,152户"
        assert figure(Decimal("193000000"), "元") == "1.93亿元"
        assert figure(Decimal("50000000"), "元") == "5,000万元"
        assert figure(Decimal("2500"), "元") == "2,500元"


def test_english_number_formats():
    with translation.override("en"):
        assert figure(2152, "households") == "2,152 households"
        assert figure(Decimal("193000000"), "yuan") == "193 million yuan"
