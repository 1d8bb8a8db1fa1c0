from markupsafe import escape

from tests.conftest import sign_in


def test_anonymous_home_redirects_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_each_role_signs_in_and_sees_its_home(signed_in, users):
    for role, user in users.items():
        page = signed_in(role).get("/")
        assert page.status_code == 200
        assert f"Hello, {escape(user.name)}" in page.get_data(as_text=True)


def test_wrong_password_is_refused(client, users):
    response = sign_in(client, users["coordinator"].email, "not the password at all")
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
