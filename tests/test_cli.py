"""`flask --app wsgi users ...`, through Flask's CLI runner."""
from insight_dash.services.users import authenticate


def test_create_user_prompts_for_the_password(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "alice"], input="s3cret-pass\ns3cret-pass\n")
    assert result.exit_code == 0, result.output
    assert "Created user 'alice'." in result.output
    with app.app_context():
        assert authenticate("alice", "s3cret-pass") is not None


def test_create_user_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "alice"], input="short\nshort\n")
    assert result.exit_code == 1
    assert "at least 8 characters" in result.output


def test_set_password(app, make_user):
    make_user("alice")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "set-password", "alice"], input="another-pass\nanother-pass\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert authenticate("alice", "another-pass") is not None
    missing = runner.invoke(args=["users", "set-password", "ghost"], input="another-pass\nanother-pass\n")
    assert missing.exit_code == 1 and "no user named 'ghost'" in missing.output
