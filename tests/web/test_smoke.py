"""The first pages a person sees."""


def test_dashboard_after_login(client, auth, make_user):
    qm = make_user("quality_manager")
    response = auth.login(qm.email, follow_redirects=True)
    assert response.status_code == 200
    assert "Dashboard" in response.text
    assert qm.name in response.text
