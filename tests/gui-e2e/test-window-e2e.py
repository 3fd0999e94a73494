#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drives the real Bearer window through the accessibility bus, as a user
would: against a local ProcessMaker-like token server (token-server.py), add
a connection, type the client id, secret and refresh token, press Get New
Access Token, read the token and its expiry, press Copy Bearer Header and
read the clipboard with xclip; restart Bearer and see the connection and its
token again (from the keyring); add a second connection and move between
the two in the sidebar with the arrow keys; then a refused refresh token
shows "Sign in again" and puts the focus on the refresh token; in a window
too narrow for both panes a click on a row opens its page; and a damaged
profiles file is set aside and explained.

Signing in, against oidc-provider (tests/e2e/oidc-server.mjs): a connection
bearer-cli added; in the window, Discover from the issuer (no warning: the
provider lists PKCE S256), Sign In with Browser, the scripted browser
(tests/e2e/browser.mjs) registered as the session's default web browser, so
that the window's real launch path opens it, the token and the ID token
shown, Copy Bearer Header read back; then Sign In with a Code: the code and
its QR code, Open in Browser, the approval, the token; and from nothing:
Add a Connection → OpenID Connect Provider with the issuer (discovered on
Add) and "Sign in with a browser", the client ID typed on the page, Sign In
with Browser, the token.

"Ask before other programs use this token", the whole chain: bearer-cli asks
the token agent (D-Bus activated), which asks Bearer (D-Bus activated, not
running before); the question names the program; Allow Once gives the
token, Deny refuses it.

Needs a display, a session bus with the accessibility bus and an unlocked
keyring (tools/test-session), and for signing in Node.js with
tests/e2e/node_modules. Prints TAP. With BEARER_SCREENSHOT_DIR set, saves
empty.png, form.png, token.png, error.png, sign-in.png, device.png and ask.png
there.

    test-window-e2e.py BEARER_EXECUTABLE SCHEMA_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(os.path.dirname(HERE), "e2e")
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def skip_all(reason):
    print("1..0 # SKIP " + reason)
    sys.exit(0)


# Outside tools/test a missing piece skips; inside, it fails.
IN_SESSION = bool(os.environ.get("BEARER_TEST_SESSION"))
if not os.environ.get("DISPLAY") and not IN_SESSION:
    skip_all("no display (run it through tools/test)")
if shutil.which("xclip") is None and not IN_SESSION:
    skip_all("xclip is missing")
try:
    from dogtail.config import config  # noqa: E402
except ImportError:
    if IN_SESSION:
        raise
    skip_all("dogtail is missing (python3-dogtail)")

config.checkForA11y = False
config.searchShowingOnly = False
config.defaultDelay = 0.05
config.searchCutoffCount = 5
config.logDebugToFile = False
config.logDebugToStdOut = False
from dogtail import rawinput, tree  # noqa: E402

WINDOW_COORDS = 1  # pyatspi.WINDOW_COORDS

BEARER, SCHEMA_DIR, APP_ID = sys.argv[1], sys.argv[2], sys.argv[3]
# The development profile's id ends in .Devel: the bus name and the object
# path follow it.
APP_PATH = "/" + APP_ID.replace(".", "/")
SHOTS = os.environ.get("BEARER_SCREENSHOT_DIR")
CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN = "3", "s3cret", "def50200initial"
PROCESS_ENV = dict(os.environ, GSETTINGS_SCHEMA_DIR=SCHEMA_DIR,
                   XDG_CONFIG_HOME=tempfile.mkdtemp(prefix="bearer-e2e-config-"),
                   XDG_STATE_HOME=tempfile.mkdtemp(prefix="bearer-e2e-state-"),
                   GSK_RENDERER="cairo", LC_ALL="C.UTF-8", LANGUAGE="")


def wait_for(what, predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except Exception:  # a node went away while we looked
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.1)


def find(root, role, name, timeout=10.0):
    return wait_for("%s “%s”" % (role, name),
                    lambda: root.findChild(lambda n: n.roleName == role and n.name == name,
                                           retry=False, requireResult=False),
                    timeout)


def text_of(node):
    text = node.queryText()
    return text.getText(0, text.characterCount)


def find_named(root, role, prefix, timeout=10.0):
    """The first @role node whose name starts with @prefix."""
    return wait_for("%s “%s…”" % (role, prefix),
                    lambda: root.findChild(lambda n: n.roleName == role and (n.name or "").startswith(prefix),
                                           retry=False, requireResult=False),
                    timeout)


def labels_under(node):
    return [text_of(n) for n in node.findChildren(lambda n: n.roleName == "label")]


def row_text(root, name):
    """The text of the first label in the row called @name."""
    row = find(root, "list item", name)
    labels = row.findChildren(lambda n: n.roleName == "label")
    return text_of(labels[0]) if labels else ""


def is_focused_entry(node):
    # With no window manager the window is never active, so AT-SPI reports
    # no focus; an entry that takes the focus selects its text, though.
    return node.focused or node.queryText().getNSelections() > 0


def set_text(root, name, value):
    entry = find(root, "text", name)
    entry.text = value
    wait_for("the text of “%s”" % name, lambda: text_of(entry) == value)


def click(root, name):
    button = find(root, "push button", name)
    wait_for("“%s” to be sensitive" % name, lambda: button.sensitive)
    button.doActionNamed("click")


def screenshot(name):
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    time.sleep(0.6)  # transitions
    crop = []
    if shutil.which("xwininfo") is not None:  # x11-utils: the window alone
        info = subprocess.run(["xwininfo", "-name", "Bearer"], capture_output=True, text=True).stdout
        geometry = {}
        for line in info.splitlines():
            key, _, value = line.strip().partition(":")
            geometry[key] = value.strip()
        crop = ["-crop", "%sx%s+%s+%s" % (geometry["Width"], geometry["Height"],
                                          geometry["Absolute upper-left X"],
                                          geometry["Absolute upper-left Y"]), "+repage"]
    subprocess.run(["import", "-window", "root"] + crop + [os.path.join(SHOTS, name)], check=True)


class Bearer:
    def __init__(self, env=None):
        self.started = time.monotonic()
        self.process = subprocess.Popen([BEARER], env=env or PROCESS_ENV)
        self.app = wait_for("Bearer on the accessibility bus",
                            lambda: tree.root.application("bearer"), 20)
        self.window = find(self.app, "frame", "Bearer", 20)

    def quit(self):
        # app.quit closes the windows, so pending saves finish first.
        subprocess.run(["gdbus", "call", "--session", "--dest", APP_ID,
                        "--object-path", APP_PATH,
                        "--method", "org.gtk.Actions.Activate", "quit", "[]", "{}"],
                       check=False, capture_output=True)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            self.process.wait(5)
            raise AssertionError("Bearer did not quit")


state = {}


@test
def add_connection_and_get_token():
    bearer = state["bearer"] = Bearer()
    w = bearer.window
    find(w, "label", "Get OAuth Tokens Without Scripts")
    screenshot("empty.png")

    click(w, "Add a Connection")
    dialog = find(bearer.app, "dialog", "Add a Connection")
    url = "http://127.0.0.1:%d/oauth/token" % state["port"]
    set_text(dialog, "Instance name or URL", url)
    set_text(dialog, "Name", "Acme ProcessMaker")
    click(dialog, "Add")

    set_text(w, "Refresh token", REFRESH_TOKEN)
    set_text(w, "Client ID", CLIENT_ID)
    set_text(w, "Client secret", CLIENT_SECRET)
    assert text_of(find(w, "text", "Access token URL")) == url
    screenshot("form.png")

    click(w, "Get New Access Token")
    token = wait_for("an access token",
                     lambda: row_text(w, "Access token").startswith("eyJ") and row_text(w, "Access token"))
    expiry = find(w, "list item", "Expiry Expires in 60 minutes")
    assert "Expires in 60 minutes" in labels_under(expiry), labels_under(expiry)
    state["token"] = token

    click(w, "Copy Bearer Header")
    clipboard = wait_for("the clipboard", lambda: subprocess.run(
        ["xclip", "-o", "-selection", "clipboard"], capture_output=True, text=True).stdout)
    assert clipboard == "Authorization: Bearer " + token, clipboard
    find(w, "label", "Copied Authorization header")
    screenshot("token.png")
    bearer.quit()


@test
def restart_shows_connection_and_token():
    bearer = state["bearer"] = Bearer()
    w = bearer.window
    find(w, "list item", "Acme ProcessMaker")
    wait_for("the stored token", lambda: row_text(w, "Access token") == state["token"])
    # The rotated refresh token is in the form, not the one typed first.
    refresh = find(w, "text", "Refresh token")
    assert text_of(refresh) not in ("", REFRESH_TOKEN)

    # The keyboard: Ctrl+Return spends the rotated refresh token, Ctrl+Shift+C
    # copies the new header. (No window manager: the pointer gives X's focus.)
    rawinput.click(600, 60)
    rawinput.keyCombo("<Control>Return")
    token = wait_for("a new access token",
                     lambda: row_text(w, "Access token") not in ("", state["token"]) and row_text(w, "Access token"))
    rawinput.keyCombo("<Control><Shift>c")
    wait_for("the new header on the clipboard", lambda: subprocess.run(
        ["xclip", "-o", "-selection", "clipboard"], capture_output=True, text=True).stdout ==
        "Authorization: Bearer " + token)


def shows(window, name):
    """The connection called @name is the one shown: its name is the page's
    title as well as its row's."""
    return len(window.findChildren(lambda n: n.roleName == "label" and n.name == name)) >= 2


@test
def sidebar_keyboard_moves_between_connections():
    bearer = state["bearer"]
    w = bearer.window
    click(w, "Add a connection")
    dialog = find(bearer.app, "dialog", "Add a Connection")
    set_text(dialog, "Instance name or URL", "http://127.0.0.1:%d/oauth/token" % state["port"])
    set_text(dialog, "Name", "Second")
    click(dialog, "Add")
    # The sidebar's rows are list items named after their connection.
    second = find(w, "list item", "Second")
    wait_for("the new connection shown", lambda: shows(w, "Second"))

    # A click on the first row shows it; then the arrow keys move the
    # selection, and the page follows.
    # GTK 4.8 gives positions in window coordinates only (asking for screen
    # ones is a warning); with no window manager the window is at 0,0.
    first = find(w, "list item", "Acme ProcessMaker")
    x, y, width, height = first.queryComponent().getExtents(WINDOW_COORDS)
    rawinput.click(x + min(40, width // 4), y + height // 2)
    wait_for("the first connection shown after a click", lambda: shows(w, "Acme ProcessMaker"))
    rawinput.pressKey("Down")
    wait_for("the second connection shown after Down", lambda: shows(w, "Second"))
    assert not shows(w, "Acme ProcessMaker")
    rawinput.pressKey("Up")
    wait_for("the first connection shown after Up", lambda: shows(w, "Acme ProcessMaker"))
    assert second.name == "Second"


@test
def refused_refresh_token_says_sign_in_again():
    bearer = state["bearer"]
    w = bearer.window
    set_text(w, "Refresh token", "def50200revoked")
    click(w, "Get New Access Token")
    find(w, "label", "Sign in again: paste a new refresh token")
    find(w, "label", "HTTP status 401")
    wait_for("the focus on the refresh token", lambda: is_focused_entry(find(w, "text", "Refresh token")))
    wait_for("the toasts to go", lambda: not w.findChild(
        lambda n: n.roleName == "label" and n.name.startswith("Copied"), retry=False, requireResult=False))
    screenshot("error.png")
    bearer.quit()


def extents(node):
    return node.queryComponent().getExtents(WINDOW_COORDS)


@test
def narrow_window_click_opens_the_page():
    # A window too narrow for both panes: GSettings in a key file of its own
    # (the session's backend keeps nothing between processes).
    config = tempfile.mkdtemp(prefix="bearer-e2e-narrow-")
    shutil.copytree(os.path.join(PROCESS_ENV["XDG_CONFIG_HOME"], "bearer"), os.path.join(config, "bearer"))
    os.makedirs(os.path.join(config, "glib-2.0", "settings"))
    with open(os.path.join(config, "glib-2.0", "settings", "keyfile"), "w") as f:
        f.write("[io/github/bearerapp/Bearer]\nwindow-width=380\nlast-profile=''\n")
    bearer = state["bearer"] = Bearer(dict(PROCESS_ENV, XDG_CONFIG_HOME=config, GSETTINGS_BACKEND="keyfile"))
    try:
        w = bearer.window
        frame_width = extents(w)[2]
        get = find(w, "push button", "Get New Access Token")
        # Folded, it opens on the connections; the page is off to the side.
        wait_for("the connections in a folded window", lambda: extents(get)[0] >= frame_width)
        second = find(w, "list item", "Second")
        x, y, width, height = extents(second)
        rawinput.click(x + min(40, width // 4), y + height // 2)
        wait_for("the page after a click on its row", lambda: 0 <= extents(get)[0] < frame_width)
        wait_for("the clicked connection's page", lambda: shows(w, "Second"))
    finally:
        bearer.quit()


# ---- signing in, against oidc-provider ---------------------------------------

def sign_in_missing():
    """Why the sign-in tests cannot run, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not os.path.exists(os.path.join(E2E, "node_modules", "oidc-provider", "package.json")):
        return "tests/e2e/node_modules is missing (npm ci --prefix tests/e2e)"
    if not os.environ.get("BEARER_CLI"):
        return "BEARER_CLI does not name bearer-cli"
    return None


def start_provider():
    """oidc-provider on 127.0.0.1, and the scripted default browser."""
    if "issuer" in state:
        return
    server = subprocess.Popen(["node", os.path.join(E2E, "oidc-server.mjs")], cwd=E2E,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    state["provider"] = server
    for line in server.stdout:
        if line.startswith("ISSUER "):
            state["issuer"] = line.split()[1]
        if line.strip() == "READY":
            break
    assert "issuer" in state, "oidc-provider did not start"

    # The session's default web browser, for http and https: a wrapper of
    # tests/e2e/browser.mjs that writes down each address it is given and
    # waits while the hold file exists (for a screenshot of the waiting
    # page), then goes through the provider's login and consent pages.
    work = state["browser_dir"] = tempfile.mkdtemp(prefix="bearer-e2e-browser-")
    applications = os.path.join(work, "data", "applications")
    os.makedirs(applications)
    wrapper = os.path.join(work, "browser.sh")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\n"
                "printf '%%s\\n' \"$1\" >> '%s'\n"
                "while [ -e '%s' ]; do sleep 0.1; done\n"
                "exec '%s' '%s' \"$1\"\n" % (os.path.join(work, "opened"), os.path.join(work, "hold"),
                                            shutil.which("node"), os.path.join(E2E, "browser.mjs")))
    os.chmod(wrapper, 0o700)
    with open(os.path.join(applications, "bearer-test-browser.desktop"), "w") as f:
        f.write("[Desktop Entry]\nType=Application\nName=Bearer Test Browser\nExec=%s %%u\n"
                "MimeType=x-scheme-handler/http;x-scheme-handler/https;\nNoDisplay=true\n" % wrapper)


def sign_in_env():
    """A Bearer of its own (its own connections), with the scripted browser."""
    config = tempfile.mkdtemp(prefix="bearer-e2e-config-")
    with open(os.path.join(config, "mimeapps.list"), "w") as f:
        f.write("[Default Applications]\n"
                "x-scheme-handler/http=bearer-test-browser.desktop\n"
                "x-scheme-handler/https=bearer-test-browser.desktop\n")
    work = state["browser_dir"]
    return dict(PROCESS_ENV, XDG_CONFIG_HOME=config, XDG_DATA_HOME=os.path.join(work, "data"),
                BEARER_TEST_BROWSER_LOG=os.path.join(work, "browser.log"))


def bearer_cli(env, *args):
    result = subprocess.run([os.environ["BEARER_CLI"]] + list(args), env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, (args, result.returncode, result.stderr)
    return result.stdout


def browser_log():
    try:
        with open(os.path.join(state["browser_dir"], "browser.log")) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def opened_addresses():
    try:
        with open(os.path.join(state["browser_dir"], "opened")) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def clipboard():
    return subprocess.run(["xclip", "-o", "-selection", "clipboard"], capture_output=True, text=True).stdout


@test
def sign_in_with_browser():
    missing = sign_in_missing()
    if missing:
        if IN_SESSION:
            raise AssertionError(missing)
        return "SKIP " + missing
    start_provider()
    issuer = state["issuer"]
    env = sign_in_env()
    bearer_cli(env, "add", "OIDC Browser", "--grant", "authorization_code", "--token-url", issuer + "/token",
               "--authorize-url", issuer + "/auth", "--client-id", "bearer-native", "--auth", "none",
               "--scope", "openid api:read")

    bearer = state["bearer"] = Bearer(env)
    w = bearer.window
    find(w, "list item", "OIDC Browser")

    # Discover, from the real provider: it lists S256, so no warning.
    set_text(w, "Issuer", issuer)
    click(w, "Discover")
    find(w, "label", "Filled in the server’s addresses")
    assert text_of(find(w, "text", "Authorization URL")) == issuer + "/auth"
    assert not w.findChild(lambda n: n.roleName == "label" and n.name.startswith("The server’s addresses are"),
                           retry=False, requireResult=False)

    # The browser opens (and waits, for the screenshot of the waiting page).
    hold = os.path.join(state["browser_dir"], "hold")
    open(hold, "w").close()
    click(w, "Sign In with Browser")
    address = wait_for("the browser to be opened", lambda: opened_addresses() and opened_addresses()[-1])
    assert address.startswith(issuer + "/auth?"), address
    assert "code_challenge_method=S256" in address, address
    find(w, "label", "Continue in Your Browser")
    find(w, "push button", "Copy Link")
    find(w, "push button", "Cancel")
    if SHOTS:
        wait_for("the toast to go", lambda: not w.findChild(
            lambda n: n.roleName == "label" and n.name == "Filled in the server’s addresses",
            retry=False, requireResult=False))
    screenshot("sign-in.png")
    started = time.monotonic()
    os.unlink(hold)

    # The scripted browser signs in at the provider and comes back.
    token = wait_for("the signed-in token", lambda: row_text(w, "Access token"), 30)
    find(w, "label", "Signed in")
    print("# the browser's sign-in (login and consent pages, the code exchange) took %.0f ms"
          % ((time.monotonic() - started) * 1000))
    wait_for("Bearer's page in the browser",
             lambda: re.search(r"^DONE 200 .*Signed in to “OIDC Browser”", browser_log(), re.MULTILINE))
    find_named(w, "list item", "ID token")
    click(w, "Copy Bearer Header")
    wait_for("the header on the clipboard", lambda: clipboard() == "Authorization: Bearer " + token)
    find(w, "push button", "Get New Access Token")
    bearer.quit()


@test
def sign_in_with_a_code():
    missing = sign_in_missing()
    if missing:
        if IN_SESSION:
            raise AssertionError(missing)
        return "SKIP " + missing
    start_provider()
    issuer = state["issuer"]
    env = sign_in_env()
    bearer_cli(env, "add", "OIDC Device", "--issuer", issuer, "--grant", "device_code",
               "--client-id", "bearer-native", "--auth", "none", "--scope", "openid api:read")

    bearer = state["bearer"] = Bearer(env)
    w = bearer.window
    find(w, "list item", "OIDC Device")
    click(w, "Sign In with a Code")

    # The code in large type, a QR code, the countdown.
    code = wait_for("the user code", lambda: w.findChild(
        lambda n: n.roleName == "label" and re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", n.name or ""),
        retry=False, requireResult=False))
    user_code = code.name
    find(w, "image", "QR code of the address where the code is entered")
    find(w, "push button", "Copy Code")
    assert w.findChild(lambda n: n.roleName == "label" and n.name.startswith("The code expires in "),
                       retry=False, requireResult=False)
    assert opened_addresses() == [] or user_code not in opened_addresses()[-1]
    screenshot("device.png")

    # Open in Browser: the address with the code; the user approves there.
    started = time.monotonic()
    click(w, "Open in Browser")
    wait_for("the browser to be opened", lambda: opened_addresses() and
             opened_addresses()[-1] == issuer + "/device?user_code=" + user_code)
    token = wait_for("the token the poll brings", lambda: row_text(w, "Access token"), 40)
    find(w, "label", "Signed in")
    print("# from Open in Browser to the token: %.0f ms (polling every 5 s)" % ((time.monotonic() - started) * 1000))
    click(w, "Copy Bearer Header")
    wait_for("the header on the clipboard", lambda: clipboard() == "Authorization: Bearer " + token)
    bearer.quit()


def window_origin(title):
    """Where the top-level window called @title is on the screen (no window
    manager: GTK 4.8 gives positions in window coordinates only)."""
    info = subprocess.run(["xwininfo", "-name", title], capture_output=True, text=True).stdout
    geometry = dict(line.strip().partition(":")[::2] for line in info.splitlines() if ":" in line)
    return int(geometry["Absolute upper-left X"]), int(geometry["Absolute upper-left Y"])


def choose(root, title, row_name, item, steps):
    """Choose @item, @steps below the first, in the combo row called
    @row_name of the window called @title: a click opens the row's list
    (which takes the keyboard), Down moves, Return chooses."""
    row = find(root, "combo box", row_name)
    left, top = window_origin(title)
    x, y, width, height = row.queryComponent().getExtents(WINDOW_COORDS)
    rawinput.click(left + x + width // 2, top + y + height // 2)
    time.sleep(0.5)
    for _ in range(steps):
        rawinput.pressKey("Down")
    rawinput.pressKey("Return")
    wait_for("“%s” chosen in “%s”" % (item, row_name), lambda: item in labels_under(row))


@test
def sign_in_from_add_a_connection():
    """Add a Connection → OpenID Connect Provider, its issuer discovered →
    Sign In with Browser, with only a client ID typed on the page."""
    missing = sign_in_missing()
    if missing:
        if IN_SESSION:
            raise AssertionError(missing)
        return "SKIP " + missing
    start_provider()
    issuer = state["issuer"]
    bearer = state["bearer"] = Bearer(sign_in_env())
    w = bearer.window
    click(w, "Add a Connection")
    dialog = find(bearer.app, "dialog", "Add a Connection")
    # ProcessMaker, Generic OAuth 2.0, OpenID Connect Provider…
    choose(dialog, "Add a Connection", "Service", "OpenID Connect Provider", 2)
    choices = labels_under(find(dialog, "combo box", "How you get tokens"))
    assert "Sign in with a browser" in choices, choices
    set_text(dialog, "Issuer", issuer)
    set_text(dialog, "Name", "From the Issuer")
    click(dialog, "Add")

    # The page, its addresses discovered, ready to sign in.
    wait_for("the new connection shown", lambda: shows(w, "From the Issuer"))
    for name, value in (("Authorization URL", issuer + "/auth"), ("Access token URL", issuer + "/token"),
                        ("Scope", "openid")):
        assert text_of(find(w, "text", name)) == value, (name, text_of(find(w, "text", name)))
    set_text(w, "Client ID", "bearer-native")
    # bearer-native is a public client: no client authentication (the row
    # is further down the form: the wheel brings it up).
    for _ in range(5):
        rawinput.click(600, 400, 5)
    choose(w, "Bearer", "Client authentication", "None (public client)", 3)
    opened = len(opened_addresses())
    click(w, "Sign In with Browser")
    address = wait_for("the browser to be opened",
                       lambda: len(opened_addresses()) > opened and opened_addresses()[-1])
    assert address.startswith(issuer + "/auth?") and "client_id=bearer-native" in address, address
    wait_for("the signed-in token", lambda: row_text(w, "Access token"), 30)
    find(w, "label", "Signed in")
    find_named(w, "list item", "ID token")
    bearer.quit()


def set_activation_env(values):
    pairs = ", ".join("'%s': '%s'" % (k, v.replace("'", "\\'")) for k, v in values.items())
    subprocess.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                    "--object-path", "/org/freedesktop/DBus",
                    "--method", "org.freedesktop.DBus.UpdateActivationEnvironment", "{%s}" % pairs],
                   check=True, capture_output=True)


def bus_pid(name):
    result = subprocess.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                             "--object-path", "/org/freedesktop/DBus",
                             "--method", "org.freedesktop.DBus.GetConnectionUnixProcessID", name],
                            capture_output=True, text=True)
    match = re.search(r"uint32 (\d+)", result.stdout)
    return int(match.group(1)) if match else 0


def name_has_owner(name):
    result = subprocess.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                             "--object-path", "/org/freedesktop/DBus",
                             "--method", "org.freedesktop.DBus.NameHasOwner", name],
                            capture_output=True, text=True)
    return "true" in result.stdout


def click_response(root, label):
    """A button of an AdwMessageDialog: GTK 4.8 names it after its mnemonic
    label, then its text ("_Deny Deny")."""
    button = wait_for("button “%s”" % label, lambda: root.findChild(
        lambda n: n.roleName == "push button" and (n.name == label or (n.name or "").endswith(" " + label)),
        retry=False, requireResult=False))
    button.doActionNamed("click")


@test
def ask_before_other_programs_use_a_token():
    """The whole chain, as users get it: bearer-cli asks the token agent (D-Bus
    activated), the agent asks Bearer (D-Bus activated, not running before),
    whose window shows the question naming the program; Allow Once gives the
    token, Deny refuses it."""
    agent = os.environ.get("BEARER_AGENT")
    session = os.environ.get("BEARER_SESSION_DIR")
    if not agent or not session:
        if IN_SESSION:
            raise AssertionError("BEARER_AGENT or BEARER_SESSION_DIR is not set")
        return "SKIP the agent is D-Bus activated in tools/test-session's bus"
    bearer = state.get("bearer")
    if bearer is not None and bearer.process.poll() is None:
        bearer.quit()
    state.pop("bearer", None)

    server = subprocess.Popen([sys.executable, os.path.join(HERE, "token-server.py"),
                               "--refresh-token", "def50200asked"], stdout=subprocess.PIPE, text=True)
    port = int(server.stdout.readline())
    env = dict(PROCESS_ENV, XDG_CONFIG_HOME=tempfile.mkdtemp(prefix="bearer-e2e-ask-"))
    env.pop("BEARER_NO_AGENT", None)
    direct = dict(env, BEARER_NO_AGENT="1")
    cli = os.environ["BEARER_CLI"]
    bearer_cli(direct, "add", "Asks", "--token-url", "http://127.0.0.1:%d/oauth/token" % port,
               "--client-id", CLIENT_ID, "--auth", "post", "--ask")
    for kind, value in (("client-secret", CLIENT_SECRET), ("refresh-token", "def50200asked")):
        result = subprocess.run([cli, "set-secret", "Asks", kind], env=direct, input=value + "\n",
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, (kind, result.stderr)

    services = os.path.join(session, "dbus-services")
    app_service = os.path.join(services, APP_ID + ".service")
    agent_service = os.path.join(services, APP_ID + ".Agent.service")
    with open(app_service, "w") as f:
        f.write("[D-BUS Service]\nName=%s\nExec=%s --gapplication-service\n" % (APP_ID, BEARER))
    with open(agent_service, "w") as f:
        f.write("[D-BUS Service]\nName=%s.Agent\nExec=%s\n" % (APP_ID, agent))
    keys = ["XDG_CONFIG_HOME", "XDG_STATE_HOME", "GSETTINGS_SCHEMA_DIR", "GSK_RENDERER", "GDK_BACKEND",
            "ADW_DISABLE_PORTAL", "GTK_USE_PORTAL", "LC_ALL", "LANGUAGE"]
    set_activation_env({k: env.get(k, "") for k in keys})
    failure = None
    try:
        assert not name_has_owner(APP_ID)
        asking = subprocess.Popen([cli, "token", "Asks"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        app = wait_for("Bearer, started to ask", lambda: tree.root.application("bearer"), 30)
        find(app, "label", "Allow “bearer-cli” to Use Your Token?", 30)
        find_named(app, "label", "“bearer-cli”, started by “python3")
        screenshot("ask.png")
        click_response(app, "Allow Once")
        out, err = asking.communicate(timeout=30)
        assert asking.returncode == 0, (asking.returncode, err)
        assert out.startswith("eyJ"), out

        denied = subprocess.Popen([cli, "token", "Asks"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        find(app, "label", "Allow “bearer-cli” to Use Your Token?", 30)
        click_response(app, "Deny")
        out, err = denied.communicate(timeout=30)
        assert denied.returncode == 1, (denied.returncode, err)
        assert out == "", out
        assert "The request was denied in Bearer." in err, err
    except Exception as error:  # told after the clean-up
        failure = error
    try:
        # Quitting Bearer answers an open question (a denial), so the agent
        # has nothing in flight and goes on SIGTERM.
        if name_has_owner(APP_ID):
            subprocess.run(["gdbus", "call", "--session", "--dest", APP_ID, "--object-path", APP_PATH,
                            "--method", "org.gtk.Actions.Activate", "quit", "[]", "{}"],
                           check=False, capture_output=True)
        pid = bus_pid(APP_ID + ".Agent")
        if pid:
            os.kill(pid, 15)
        wait_for("the agent and Bearer to leave the bus",
                 lambda: not name_has_owner(APP_ID) and not name_has_owner(APP_ID + ".Agent"))
    except Exception as error:
        failure = failure or error
    finally:
        set_activation_env({k: os.environ.get(k, "") for k in keys})
        os.unlink(app_service)
        os.unlink(agent_service)
        server.terminate()
        server.wait(5)
    if failure is not None:
        raise failure


@test
def damaged_profiles_file_is_explained():
    path = os.path.join(PROCESS_ENV["XDG_CONFIG_HOME"], "bearer", "profiles.json")
    with open(path, "w") as f:
        f.write("{ this is not JSON")
    bearer = state["bearer"] = Bearer()
    heading = find(bearer.app, "label", "Your Connections Were Damaged")
    messages = [t for t in labels_under(heading.parent.parent) if "profiles.json.corrupt-" in t]
    assert messages, labels_under(heading.parent.parent)
    kept = [n for n in os.listdir(os.path.dirname(path)) if n.startswith("profiles.json.corrupt-")]
    assert len(kept) == 1, kept
    find(bearer.window, "label", "Get OAuth Tokens Without Scripts")
    bearer.quit()


def main():
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "token-server.py")],
                              stdout=subprocess.PIPE, text=True)
    state["port"] = int(server.stdout.readline())
    # BEARER_E2E_ONLY=WORD runs the tests whose name holds WORD (debugging).
    only = os.environ.get("BEARER_E2E_ONLY")
    if only:
        TESTS[:] = [fn for fn in TESTS if only in fn.__name__]
    print("1..%d" % len(TESTS))
    failed = False
    try:
        for number, fn in enumerate(TESTS, 1):
            name = fn.__name__.replace("_", " ")
            try:
                skipped = fn()
                if skipped:
                    print("ok %d - %s # %s" % (number, name, skipped))
                else:
                    print("ok %d - %s" % (number, name))
            except Exception as error:  # report, and go on
                failed = True
                print("not ok %d - %s" % (number, name))
                for line in repr(error).splitlines():
                    print("# " + line)
                # The next test starts its own Bearer: not this one's again.
                bearer = state.get("bearer")
                if bearer is not None and bearer.process.poll() is None:
                    bearer.process.terminate()
                    bearer.process.wait(5)
            sys.stdout.flush()
    finally:
        bearer = state.get("bearer")
        if bearer is not None and bearer.process.poll() is None:
            bearer.process.terminate()
            bearer.process.wait(5)
        server.terminate()
        server.wait(5)
        provider = state.get("provider")
        if provider is not None:
            provider.terminate()
            provider.wait(5)
        if "browser_dir" in state:
            shutil.rmtree(state["browser_dir"], ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
