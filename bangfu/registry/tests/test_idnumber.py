import datetime

import pytest
from django.core.exceptions import ValidationError

from bangfu.registry import idnumber
from bangfu.registry.models import Person

VALID = idnumber.make("520102", datetime.date(1990, 3, 7), 12, "M")


def test_a_made_number_is_valid_and_reads_back_sex_and_birth_date():
    info = idnumber.parse(VALID)
    assert info.number == VALID
    assert info.birth_date == datetime.date(1990, 3, 7)
    assert info.sex == "M"
    assert idnumber.parse(idnumber.make("520102", datetime.date(1990, 3, 7), 12, "F")).sex == "F"


def test_known_real_format_number_passes():
    # The example in python-stdnum's documentation (江西 上饶 广丰).
    assert idnumber.is_valid("360426199101010071")


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("52010219900307", "length", "18位"),
        ("5201021990030712345", "length", "19位"),
        ("52010219901307123X", "date", "19901307"),
        ("520102199002301234", "date", "19900230"),
        ("52010A199003071234", "format", "前17位"),
        ("", "required", "请填写"),
    ],
)
def test_malformed_numbers_are_refused_with_a_clear_message(value, code, fragment):
    with pytest.raises(ValidationError) as excinfo:
        idnumber.parse(value)
    assert excinfo.value.code == code
    assert fragment in excinfo.value.messages[0]


def test_a_wrong_check_digit_is_refused_without_revealing_the_right_one():
    wrong = VALID[:17] + ("0" if VALID[17] != "0" else "1")
    with pytest.raises(ValidationError) as excinfo:
        idnumber.parse(wrong)
    assert excinfo.value.code == "checksum"
    assert "校验位错误" in excinfo.value.messages[0]
    assert VALID[17] not in excinfo.value.messages[0].replace("18", "")


def test_lower_case_x_full_width_digits_and_spaces_are_normalised():
    with_x = next(
        idnumber.make("520102", datetime.date(1985, 1, d), s, "F")
        for d in range(1, 29)
        for s in range(0, 400)
        if idnumber.make("520102", datetime.date(1985, 1, d), s, "F").endswith("X")
    )
    messy = " " + with_x[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + " x "
    info = idnumber.parse(messy)
    assert info.number == with_x


def test_future_birth_date_is_refused():
    future = idnumber.make("520102", datetime.date.today() + datetime.timedelta(days=30), 1, "M")
    with pytest.raises(ValidationError) as excinfo:
        idnumber.parse(future)
    assert excinfo.value.code == "date"


def test_county_codes_are_judged_by_when_the_number_could_be_issued():
    # 520102 南明区 exists from 1983; people born in 1968 got their number from 1984 on.
    assert idnumber.is_valid(idnumber.make("520102", datetime.date(1968, 2, 2), 3, "M"))
    # 522427 is Weining's code until 2011: valid for an elderly holder ...
    assert idnumber.is_valid(idnumber.make("522427", datetime.date(1950, 6, 1), 3, "F"))
    # ... but not for a child born after the code was retired.
    assert not idnumber.is_valid(idnumber.make("522427", datetime.date(2015, 6, 1), 3, "F"))
    # A current Guizhou county that the library may not know yet: 520204 水城区 (2020).
    assert idnumber.is_valid(idnumber.make("520204", datetime.date(2021, 6, 1), 3, "F"))


def test_an_unknown_address_code_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        idnumber.parse(idnumber.make("529999", datetime.date(1980, 1, 1), 1, "M"))
    assert excinfo.value.code == "address"
    assert "529999" in excinfo.value.messages[0]


@pytest.mark.django_db
def test_person_takes_sex_and_birth_date_from_the_id(world):
    person = Person(
        household=world.household_a,
        name="张小",
        relation="son",
        id_number=idnumber.make("520524", datetime.date(2001, 9, 9), 7, "F").lower(),
    )
    person.full_clean()
    assert person.sex == "F"
    assert person.birth_date == datetime.date(2001, 9, 9)


@pytest.mark.django_db
def test_person_contradicting_the_id_is_refused(world):
    number = idnumber.make("520524", datetime.date(2001, 9, 9), 7, "F")
    person = Person(
        household=world.household_a,
        name="张小",
        relation="son",
        id_number=number,
        sex="M",
        birth_date=datetime.date(2001, 9, 10),
    )
    with pytest.raises(ValidationError) as excinfo:
        person.full_clean()
    assert "性别与身份证号码不符" in excinfo.value.message_dict["sex"][0]
    assert "2001-09-09" in excinfo.value.message_dict["birth_date"][0]


@pytest.mark.django_db
def test_the_same_id_number_cannot_be_registered_twice(world):
    person = Person(
        household=world.household_b,
        name="重复",
        relation="other",
        id_number=world.person_a.id_number,
    )
    with pytest.raises(ValidationError) as excinfo:
        person.full_clean()
    assert world.household_a.number in excinfo.value.message_dict["id_number"][0]
