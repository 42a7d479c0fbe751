"""`python -m insight_dash`: serve the app for development with embedded defaults.

Production runs under Gunicorn (`gunicorn -c gunicorn.conf.py wsgi:server`).
"""
import argparse
import getpass
import signal
import sys

from insight_dash.app import create_app
from insight_dash.services.errors import InvalidInput
from insight_dash.services.users import count_users, create_user
from insight_dash.settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m insight_dash", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    # Exit cleanly on SIGTERM too, so the embedded PostgreSQL is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = create_app(settings)
    with server.app_context():
        if count_users() == 0:
            _offer_first_account()
    print(f"Insight is running on http://{args.host}:{args.port} (Ctrl+C to stop)", flush=True)
    server.run(host=args.host, port=args.port, threaded=True, debug=False, use_reloader=False)
    return 0


def _offer_first_account() -> None:
    hint = "Create the first account with: .venv/bin/flask --app wsgi users create YOUR_NAME"
    if not sys.stdin.isatty():
        print(f"No accounts exist yet. {hint}", flush=True)
        return
    print("No accounts exist yet. Create a local account now (leave the name empty to skip).")
    username = input("Username: ").strip()
    if not username:
        print(hint)
        return
    while True:
        password = getpass.getpass("Password (8+ characters): ")
        if password != getpass.getpass("Repeat password: "):
            print("The passwords differ; try again.")
            continue
        try:
            create_user(username, password)
        except InvalidInput as exc:
            print(exc.message)
            if "username" in exc.message.lower():
                return print(hint)
            continue
        print(f"Created {username!r}. Sign in with it in your browser.")
        return


if __name__ == "__main__":
    sys.exit(main())
