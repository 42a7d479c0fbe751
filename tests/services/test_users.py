import pytest

from insight_dash.services.errors import InvalidInput
from insight_dash.services.users import authenticate, create_user, set_password


def test_password_is_stored_hashed(app_ctx):
    user = create_user("alice", "s3cret-pass")
    assert "s3cret-pass" not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_authenticate_matches_only_the_right_password(app_ctx):
    create_user("alice", "s3cret-pass")
    assert authenticate("alice", "s3cret-pass").username == "alice"
    assert authenticate("alice", "wrong-pass") is None
    assert authenticate("nobody", "s3cret-pass") is None


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("a", "long-enough", "A username is 2-64 characters"),
        ("bad name", "long-enough", "A username is 2-64 characters"),
        ("bob", "short", "at least 8 characters"),
    ],
)
def test_invalid_accounts_are_refused(app_ctx, username, password, message):
    with pytest.raises(InvalidInput, match=message):
        create_user(username, password)


def test_usernames_are_unique(app_ctx):
    create_user("alice", "s3cret-pass")
    with pytest.raises(InvalidInput, match="already taken"):
        create_user("alice", "other-pass")


def test_set_password_replaces_the_old_one(app_ctx):
    create_user("alice", "s3cret-pass")
    set_password("alice", "new-password")
    assert authenticate("alice", "s3cret-pass") is None
    assert authenticate("alice", "new-password") is not None


def test_set_password_for_unknown_user(app_ctx):
    with pytest.raises(InvalidInput, match="no user named"):
        set_password("ghost", "new-password")
