"""Mastodon.py (Debian's python3-mastodon) against a Folkmoot instance, for test/clients/run.sh.

Registers an app, signs in by the authorization-code flow (the consent scripted by
consent.ts), verifies credentials, follows the body, reads the home timeline, posts and
votes on the proposal's poll. Every failed step exits 1 with one readable line.
usage: /usr/bin/python3 mastodon_py.py <origin> <handle> <body> <proposal id> <consent command...>
"""
import subprocess
import sys

from mastodon import Mastodon

origin, handle, body, proposal = sys.argv[1:5]
consent = sys.argv[5:]
step = "start"


def begin(name):
    """Starts a step, after saying the one before passed."""
    global step
    if step != "start":
        print(f"ok Mastodon.py {step}", flush=True)
    step = name


def check(condition, message):
    if not condition:
        raise AssertionError(message)


try:
    begin("register an app (POST /api/v1/apps)")
    client_id, client_secret = Mastodon.create_app(
        "Mastodon.py check", api_base_url=origin, scopes=["read", "write", "follow"], redirect_uris="urn:ietf:wg:oauth:2.0:oob"
    )
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=origin)

    begin("authorization code (consent page, POST /oauth/token)")
    url = api.auth_request_url(scopes=["read", "write", "follow"], redirect_uris="urn:ietf:wg:oauth:2.0:oob")
    code = subprocess.run(consent + [handle, url], check=True, capture_output=True, text=True).stdout.strip()
    check(code, "the consent script printed no code")
    api.log_in(code=code, scopes=["read", "write", "follow"], redirect_uri="urn:ietf:wg:oauth:2.0:oob")

    begin("account_verify_credentials")
    me = api.account_verify_credentials()
    check(me["username"] == handle, f"verify_credentials gave {me['username']!r}, not {handle!r}")

    begin("account_lookup and account_follow")
    target = api.account_lookup(body)
    check(target["group"], f"{body} is not shown as a group")
    relationship = api.account_follow(target["id"])
    check(relationship["following"], f"following {body} did not take")

    begin("timeline_home")
    home = api.timeline_home()
    polled = [s for s in home if s.get("poll") and str(s["poll"]["id"]) == proposal]
    check(polled, f"the proposal {proposal} is not on the home timeline with its poll")

    begin("poll_vote")
    poll = api.poll(proposal)
    titles = [o["title"] for o in poll["options"]]
    check("Agree" in titles, f"the poll has no Agree option: {titles}")
    # Mastodon.py 1.8.0's poll_vote returns None (it drops the answer): read the poll again.
    api.poll_vote(proposal, [titles.index("Agree")])

    begin("poll after the vote")
    again = Mastodon(access_token=api.access_token, api_base_url=origin).poll(proposal)
    check(again["voted"] and again["own_votes"] == [titles.index("Agree")], f"the vote is not shown as mine: {again}")
    check(again["voters_count"] >= 1, f"the vote is not counted: {again}")

    begin("status_post")
    posted = api.status_post(f"@{body} Hello from Mastodon.py")
    check("Hello from Mastodon.py" in posted["content"], "the posted status does not carry its text")
except subprocess.CalledProcessError as err:
    print(f"FAIL Mastodon.py: {step}: the consent script failed: {err.stderr.strip()}", file=sys.stderr)
    sys.exit(1)
except Exception as err:  # noqa: BLE001 — any failure is reported on one line
    print(f"FAIL Mastodon.py: {step}: {type(err).__name__}: {err}", file=sys.stderr)
    sys.exit(1)
begin("done")
