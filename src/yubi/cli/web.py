"""``yubi serve``, ``yubi user`` and ``yubi token``: the team's web workbench and its accounts.

FastAPI, uvicorn and argon2 are imported inside the commands, so ``yubi --help`` stays fast and
works without the ``web`` extra.
"""

from __future__ import annotations

import ipaddress
import sys
from typing import Annotated

import typer

from yubi.cli import command_app
from yubi.errors import UsageError

app = command_app()

user_app = typer.Typer(help="Accounts of the web workbench (roles: viewer, analyst, admin).",
                       no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripts (sent as 'Authorization: Bearer').",
                        no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $YUBI_DATABASE_URL, else the user's "
                              "SQLite file)."),
]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    public: Annotated[bool, typer.Option(
        "--public", help="Let anonymous visitors read (never write).")] = False,
    behind_tls: Annotated[bool, typer.Option(
        "--behind-tls", help="Served over HTTPS by a proxy: Secure cookies, and trust the "
                             "proxy's X-Forwarded-Proto/For headers.")] = False,
    forwarded_allow_ips: Annotated[str, typer.Option(
        help="With --behind-tls: the proxy addresses whose forwarded headers are trusted.")]
    = "127.0.0.1",
    max_samples: Annotated[int, typer.Option(help="Most trajectories per run request.",
                                             min=1)] = 200_000,
    run_timeout: Annotated[float, typer.Option(help="Seconds a run may take once started.",
                                               min=0.1)] = 30.0,
    db: DbOption = None,
) -> None:
    """Serve the workbench (pages and REST API under /api/v1) on the store the CLI uses."""
    try:
        import uvicorn

        from yubi.web import WebSettings, create_app
    except ImportError as error:
        raise UsageError(f"yubi serve needs the web extra (pip install 'yubi[web]'): "
                         f"{error}") from None
    settings = WebSettings(database_url=db, public=public, behind_tls=behind_tls,
                           max_samples=max_samples, run_timeout=run_timeout, warm_cases=True)
    application = create_app(settings)
    if not _is_loopback(host):
        typer.echo(f"warning: listening on {host}, reachable from other machines; put a TLS "
                   "proxy in front and use --behind-tls (docs/web.md)", err=True)
    from yubi.store.accounts import list_users

    if not public and not list_users(application.state.engine):
        typer.echo("note: the store has no users yet; add one with "
                   "`yubi user add NAME --role admin`", err=True)
    uvicorn.run(application, host=host, port=port, proxy_headers=behind_tls,
                forwarded_allow_ips=forwarded_allow_ips if behind_tls else None,
                server_header=False, log_level="info")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="viewer, analyst or admin.")] = "viewer",
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input.")]
    = False,
    db: DbOption = None,
) -> None:
    """Add a user; the password is asked for (twice) unless --password-stdin."""
    from yubi.store import accounts
    from yubi.store.database import open_engine

    if role not in accounts.ROLES:  # before asking for a password
        raise UsageError(f"--role must be one of {', '.join(accounts.ROLES)}, not {role!r}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    account = accounts.add_user(open_engine(db), name, role, password)
    typer.echo(f"user {account.name} added ({account.role})")


@user_app.command("set")
def user_set(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str | None, typer.Option(help="New role: viewer, analyst or admin.")]
    = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read a new password from the first line of standard input.")]
    = False,
    password: Annotated[bool, typer.Option(
        "--password", help="Ask for a new password (twice).")] = False,
    disable: Annotated[bool | None, typer.Option(
        "--disable/--enable", help="Lock the account (its sessions end) or unlock it.")]
    = None,
    db: DbOption = None,
) -> None:
    """Change a user's role or password, or disable the account."""
    from yubi.store.accounts import change_user
    from yubi.store.database import open_engine

    new_password = None
    if password_stdin:
        new_password = sys.stdin.readline().rstrip("\r\n")
    elif password:
        new_password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    change_user(open_engine(db), name, role=role, password=new_password, disabled=disable)
    typer.echo(f"user {name} changed")


@user_app.command("list")
def user_list(db: DbOption = None) -> None:
    """The users: name, role, when and by whom added."""
    from yubi.store.accounts import list_users
    from yubi.store.database import open_engine

    for user in list_users(open_engine(db)):
        state = " (disabled)" if user["disabled"] else ""
        typer.echo(f"{user['name']}\t{user['role']}{state}\tadded {user['created_at']} by "
                   f"{user['created_by']}")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
    db: DbOption = None,
) -> None:
    """Create an API token for a user; the token is printed once, alone on the last line."""
    from yubi.store.accounts import create_token
    from yubi.store.database import open_engine

    token_id, token = create_token(open_engine(db), name, label)
    typer.echo(f"token {token_id} for {name} (store it now; it is not shown again):", err=True)
    typer.echo(token)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The token's id.")],
                 db: DbOption = None) -> None:
    """Revoke a token: requests carrying it are refused from now on."""
    from yubi.store.accounts import revoke_token
    from yubi.store.database import open_engine

    revoke_token(open_engine(db), token_id)
    typer.echo(f"token {token_id} revoked")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
