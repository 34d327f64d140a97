from django.urls import reverse

from bangfu.accounts.models import User


def test_the_office_manages_accounts_with_role_and_scope(client, world):
    office = world.users["office"]
    office.is_staff = True
    office.save()
    client.force_login(office)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    page = client.get(reverse("admin:accounts_user_change", args=[world.users["unit_a"].pk]))
    assert page.status_code == 200
    assert 'name="role"' in page.content.decode()
    assert "/admin/accounts/user/" in client.get("/").content.decode()


def test_other_roles_have_no_account_management(client, world):
    user = world.users["unit_a"]
    user.is_staff = True  # even if someone ticked it by mistake
    user.save()
    client.force_login(user)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert User.objects.count() == len(world.users)
