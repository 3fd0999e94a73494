# SPDX-License-Identifier: GPL-3.0-or-later
"""A Flatpak-shaped sandbox from Debian's parts: bubblewrap and xdg-dbus-proxy
set up the way `flatpak run` (1.14, read from common/flatpak-run.c) does, for
an app staged under /app, with the permissions of a Flatpak manifest.

What a real `flatpak run` does and this copies:
  - the runtime read-only at /usr (here the host's own /usr, and its /etc as
    the runtime's /etc; its /usr/share/applications empty, as a runtime's
    has none of the host's programs), the app's files read-only at /app, a
    tmpfs root;
  - /.flatpak-info naming the app, its runtime and its permissions
    ([Context], [Session Bus Policy]), read-only;
  - $HOME holding only ~/.var/app/ID, whose data, config, cache and
    .local/state are XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME and
    XDG_STATE_HOME;
  - /run/user/UID as XDG_RUNTIME_DIR. Since Flatpak 1.11.1 it is shared by
    every instance of the app (the host's $XDG_RUNTIME_DIR/.flatpak/ID/xdg-run),
    and so is /tmp ($XDG_RUNTIME_DIR/.flatpak/ID/tmp); an instance's own
    things (the bus socket, .flatpak/INSTANCE) are links into /run/flatpak.
    Before 1.11.1 each instance had its own, empty, /run/user/UID and /tmp:
    `per_instance_runtime_dir=True` lays the sandbox out that way;
  - the session bus only through xdg-dbus-proxy: --filter, --own=ID.* (and
    the MPRIS name), the manifest's --talk-name/--own-name/--see-name, all
    calls to org.freedesktop.portal.*; the proxy itself runs in a bwrap that
    sees the host's files and the same /.flatpak-info, so that
    xdg-desktop-portal, reading /proc/PID/root/.flatpak-info of its peer,
    takes the caller for the app. The accessibility bus goes through the same
    proxy process with Flatpak's fixed rules. The proxy lives as long as the
    sandbox (--sync-fd);
  - --share=network and --share=ipc keep the host's network and IPC
    namespaces, otherwise they are unshared; --socket=x11 (or fallback-x11
    with no Wayland on the host) binds the X socket and a copy of its cookie;
    --device=dri binds /dev/dri; a new PID namespace.

Every finish-arg this module does not model is refused (UnsupportedPermission),
so a new permission in the manifest has to be modelled here before the tests
pass: nothing is granted by accident.

  - the document portal's view for the app, when one runs (documents=, the
    mount point its GetMountPoint answers): its by-app/ID at
    /run/user/UID/doc, where the files the file chooser portal hands the app
    are (add_document_portal_args); and at the host's mount point, which is
    the same path on a desktop but not in a test session.

Not modelled: seccomp filters, extensions, ld.so.cache regeneration, the system bus (none here), and
`--die-with-parent` is added for the tests' sake (flatpak run has it as an option).
"""

import grp
import json
import os
import random
import select
import shutil
import subprocess
import tempfile

PORTAL_RULES = [
    "--call=org.freedesktop.portal.*=*",
    "--broadcast=org.freedesktop.portal.*=@/org/freedesktop/portal/*",
]
A11Y_RULES = [
    "--filter", "--sloppy-names",
    "--call=org.a11y.atspi.Registry=org.a11y.atspi.Socket.Embed@/org/a11y/atspi/accessible/root",
    "--call=org.a11y.atspi.Registry=org.a11y.atspi.Socket.Unembed@/org/a11y/atspi/accessible/root",
    "--call=org.a11y.atspi.Registry=org.a11y.atspi.Registry.GetRegisteredEvents@/org/a11y/atspi/registry",
    "--call=org.a11y.atspi.Registry=org.a11y.atspi.DeviceEventController.GetKeystrokeListeners"
    "@/org/a11y/atspi/registry/deviceeventcontroller",
    "--call=org.a11y.atspi.Registry=org.a11y.atspi.DeviceEventController.GetDeviceEventListeners"
    "@/org/a11y/atspi/registry/deviceeventcontroller",
    "--call=org.a11y.atspi.Registry=org.a11y.atspi.DeviceEventController.NotifyListenersSync"
    "@/org/a11y/atspi/registry/deviceeventcontroller",
    "--call=org.a11y.atspi.Registry=org.a11y.atspi.DeviceEventController.NotifyListenersAsync"
    "@/org/a11y/atspi/registry/deviceeventcontroller",
]
FLATPAK_VERSION = "1.14.10"  # the layout copied is that of Debian 12's flatpak


class UnsupportedPermission(Exception):
    pass


class Context:
    """The permissions of finish-args, as FlatpakContext keeps them."""

    def __init__(self, finish_args):
        self.shared, self.sockets, self.devices = [], [], []
        self.session_bus = {}          # name -> see | talk | own
        self.env = {}
        self.persist = []
        for arg in finish_args:
            key, _, value = arg.partition("=")
            if key == "--share" and value in ("network", "ipc"):
                self.shared.append(value)
            elif key == "--socket" and value in ("x11", "wayland", "fallback-x11"):
                self.sockets.append(value)
            elif key == "--device" and value == "dri":
                self.devices.append(value)
            elif key in ("--talk-name", "--own-name", "--see-name") and value:
                self.session_bus[value] = key[2:].split("-")[0]
            elif key == "--env" and "=" in value:
                name, _, val = value.partition("=")
                self.env[name] = val
            elif key == "--persist" and value and not value.startswith("/"):
                self.persist.append(value)
            else:
                raise UnsupportedPermission(
                    "finish-arg %r is not modelled by tests/flatpak/flatpak_sandbox.py: "
                    "model it there (as flatpak-run.c does) before granting it" % arg)

    def metadata(self):
        """[Context] and [Session Bus Policy], as flatpak_context_save_metadata writes them."""
        lines = ["[Context]"]
        for key, values in (("shared", self.shared), ("sockets", self.sockets),
                            ("devices", self.devices), ("persistent", self.persist)):
            if values:
                lines.append("%s=%s;" % (key, ";".join(values)))
        if self.session_bus:
            lines += ["", "[Session Bus Policy]"]
            lines += ["%s=%s" % item for item in self.session_bus.items()]
        if self.env:
            lines += ["", "[Environment]"]
            lines += ["%s=%s" % item for item in self.env.items()]
        return "\n".join(lines) + "\n"

    def x11(self, host_env):
        return "x11" in self.sockets or ("fallback-x11" in self.sockets and
                                         not ("wayland" in self.sockets and host_env.get("WAYLAND_DISPLAY")))


class Manifest:
    def __init__(self, path, finish_args=None):
        with open(path, encoding="utf-8") as f:
            self.json = json.load(f)
        self.path = path
        self.app_id = self.json.get("id") or self.json["app-id"]
        self.command = self.json["command"]
        self.finish_args = list(self.json.get("finish-args", []) if finish_args is None else finish_args)
        self.context = Context(self.finish_args)
        app_module = self.json["modules"][-1]
        if app_module.get("buildsystem") != "meson":
            raise UnsupportedPermission("the app module must build with meson")
        self.config_opts = list(app_module.get("config-opts", []))

    def without(self, finish_arg):
        """The same manifest with one permission fewer (negative controls)."""
        assert finish_arg in self.finish_args, finish_arg
        return Manifest(self.path, [a for a in self.finish_args if a != finish_arg])

    def runtime_ref(self):
        return "runtime/%s/%s/%s" % (self.json["runtime"], os.uname().machine,
                                     self.json["runtime-version"])


def stage(manifest, source_dir, build_dir, dest_dir, log):
    """Builds and installs the app module the way flatpak-builder does:
    `meson setup --prefix=/app --libdir=lib CONFIG-OPTS`, ninja, install;
    into DESTDIR=dest_dir (so the tree is dest_dir/app). Under DESTDIR meson
    skips its post-install step, which flatpak-builder (installing without
    DESTDIR) runs, so its one step the app needs, compiling the GSettings
    schemas, is done here."""
    def run(*argv):
        log.write("$ %s\n" % " ".join(argv))
        log.flush()
        subprocess.run(argv, check=True, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    if not os.path.exists(os.path.join(build_dir, "build.ninja")):
        run("meson", "setup", build_dir, source_dir, "--prefix=/app", "--libdir=lib", *manifest.config_opts)
    else:
        run("meson", "configure", build_dir, "--prefix=/app", "--libdir=lib", *manifest.config_opts)
    # Regenerated first: a build folder set up before a target was added
    # would not list it yet.
    run("ninja", "-C", build_dir, "build.ninja")
    # Only what is installed (the tests and benchmarks are not).
    targets = json.loads(subprocess.run(["meson", "introspect", build_dir, "--targets"], check=True,
                                        capture_output=True, text=True).stdout)
    outputs = [os.path.relpath(f, build_dir) for t in targets if t.get("installed") for f in t["filename"]]
    run("ninja", "-C", build_dir, *outputs)
    shutil.rmtree(dest_dir, ignore_errors=True)
    run("meson", "install", "-C", build_dir, "--no-rebuild", "--destdir", dest_dir)
    schemas = os.path.join(dest_dir, "app", "share", "glib-2.0", "schemas")
    if os.path.isdir(schemas):
        run("glib-compile-schemas", "--strict", schemas)
    return os.path.join(dest_dir, "app")


class Installation:
    """The app installed for one user: its staged /app, its manifest, the
    user's HOME and XDG_RUNTIME_DIR on the host."""

    def __init__(self, manifest, app_root, home, runtime_dir, log_dir,
                 per_instance_runtime_dir=False, log_session_bus=False, env=None, documents=None):
        self.manifest = manifest
        self.app_root = app_root
        self.home = home
        self.runtime_dir = runtime_dir
        self.log_dir = log_dir
        self.per_instance_runtime_dir = per_instance_runtime_dir
        self.log_session_bus = log_session_bus
        self.extra_env = dict(env or {})
        self.documents = documents
        self.uid = os.getuid()
        self.app_dir = os.path.join(home, ".var", "app", manifest.app_id)

    def shared_runtime_dir(self):
        return os.path.join(self.runtime_dir, ".flatpak", self.manifest.app_id, "xdg-run")

    def flatpak_info(self, instance_id):
        m = self.manifest
        return ("[Application]\nname=%s\nruntime=%s\n\n"
                "[Instance]\ninstance-id=%s\ninstance-path=%s\napp-path=%s\nruntime-path=/usr\n"
                "branch=master\narch=%s\nflatpak-version=%s\nsession-bus-proxy=true\n"
                "system-bus-proxy=true\n\n" % (
                    m.app_id, m.runtime_ref(), instance_id, self.app_dir, self.app_root,
                    os.uname().machine, FLATPAK_VERSION)) + m.context.metadata()

    def with_env(self, env):
        """The same installation, with more environment variables in the sandbox."""
        return Installation(self.manifest, self.app_root, self.home, self.runtime_dir, self.log_dir,
                            self.per_instance_runtime_dir, self.log_session_bus,
                            dict(self.extra_env, **env), self.documents)

    def spawn(self, argv, stdin=None, stdout=None, stderr=None, env=None, name=None):
        return Instance(self, argv, stdin, stdout, stderr, env or {}, name or os.path.basename(argv[0]))


def _memfd(name, data):
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    os.write(fd, data.encode() if isinstance(data, str) else data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class Instance:
    """One `flatpak run`: its proxy and its sandbox, both started."""

    def __init__(self, inst, argv, stdin, stdout, stderr, env, name):
        self.inst = inst
        self.name = name
        self.proxy = None
        self.process = None
        self.child_pid = None
        host_env = os.environ
        ctx = inst.manifest.context
        app_id = inst.manifest.app_id
        run_user = "/run/user/%d" % inst.uid
        self._fds = []

        # ---- the instance, as flatpak_run_add_app_info_args allocates it
        os.makedirs(os.path.join(inst.runtime_dir, ".flatpak"), mode=0o755, exist_ok=True)
        while True:
            self.instance_id = str(random.randrange(1, 2 ** 32))
            self.instance_dir = os.path.join(inst.runtime_dir, ".flatpak", self.instance_id)
            try:
                os.mkdir(self.instance_dir, 0o755)
                break
            except FileExistsError:
                continue
        info = inst.flatpak_info(self.instance_id)
        with open(os.path.join(self.instance_dir, "info"), "w") as f:
            f.write(info)

        # ---- the app's own directories (flatpak_ensure_data_dir)
        for sub in ("data", "config", "cache", "cache/tmp", ".local/state"):
            os.makedirs(os.path.join(inst.app_dir, sub), mode=0o755, exist_ok=True)
        run_app_src = os.path.join(inst.runtime_dir, "app", app_id)
        os.makedirs(run_app_src, mode=0o700, exist_ok=True)

        # ---- the D-Bus proxy (start_dbus_proxy), in its own bwrap
        proxy_dir = os.path.join(inst.runtime_dir, ".dbus-proxy")
        os.makedirs(proxy_dir, mode=0o700, exist_ok=True)
        session_socket = tempfile.mktemp(prefix="session-bus-proxy-", dir=proxy_dir)
        proxy_args = [host_env["DBUS_SESSION_BUS_ADDRESS"], session_socket, "--filter",
                      "--own=%s.*" % app_id, "--own=org.mpris.MediaPlayer2.%s.*" % app_id]
        proxy_args += ["--%s=%s" % (policy, name) for name, policy in ctx.session_bus.items()]
        proxy_args += PORTAL_RULES
        a11y_socket = None
        a11y_address = _a11y_bus_address()
        if a11y_address:
            a11y_socket = tempfile.mktemp(prefix="a11y-bus-proxy-", dir=proxy_dir)
            proxy_args += [a11y_address, a11y_socket] + A11Y_RULES
        if inst.log_session_bus:
            proxy_args.insert(2, "--log")  # the options after a bus's socket are that bus's

        sync_r, sync_w = os.pipe2(os.O_CLOEXEC)
        info_fd = _memfd("flatpak-info", info)
        wrapper = ["bwrap"]
        for entry in sorted(os.listdir("/")):
            path = "/" + entry
            if entry == ".flatpak-info":
                continue
            if os.path.islink(path):
                wrapper += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                wrapper += ["--bind" if entry in ("tmp", "var", "run") else "--ro-bind", path, path]
        wrapper += ["--bind", proxy_dir, proxy_dir,
                    "--perms", "0600", "--file", str(info_fd), "/.flatpak-info", "--",
                    "xdg-dbus-proxy", "--fd=%d" % sync_w] + proxy_args
        self.proxy_log = open(os.path.join(inst.log_dir, "%s-%s-proxy.log" % (name, self.instance_id)), "w")
        self.proxy_argv = wrapper
        self.proxy = subprocess.Popen(wrapper, pass_fds=(sync_w, info_fd), stdin=subprocess.DEVNULL,
                                      stdout=self.proxy_log, stderr=subprocess.STDOUT)
        os.close(sync_w)
        os.close(info_fd)
        ready, _, _ = select.select([sync_r], [], [], 10)
        if not ready or os.read(sync_r, 1) != b"x":
            os.close(sync_r)
            self.proxy.kill()
            self.proxy.wait()
            raise RuntimeError("xdg-dbus-proxy did not start; see " + self.proxy_log.name)

        # ---- the sandbox (flatpak_run_setup_base_argv and the rest)
        bw = ["bwrap", "--proc", "/proc", "--unshare-pid", "--die-with-parent",
              "--dev", "/dev", "--dir", "/var/tmp", "--dir", "/run/host",
              "--symlink", "../run", "/var/run"]
        for sys_dir in ("block", "bus", "class", "dev", "devices"):
            bw += ["--ro-bind", "/sys/" + sys_dir, "/sys/" + sys_dir]
        # The runtime: Debian's /usr, and its /etc as the runtime's /etc.
        bw += ["--ro-bind", "/usr", "/usr"]
        for link in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            if os.path.islink("/" + link):
                bw += ["--symlink", os.readlink("/" + link), "/" + link]
        bw += ["--ro-bind", "/etc", "/etc"]
        # Debian's /usr/share/applications lists the host's programs
        # (Chromium among them); a runtime ships none, so inside a Flatpak
        # GIO finds no local handler for http(s) and goes through the
        # OpenURI portal. An empty directory stands in for the runtime's.
        if os.path.isdir("/usr/share/applications"):
            bw += ["--tmpfs", "/usr/share/applications"]
        home = inst.home
        passwd = "%s:x:%d:%d:%s:%s:/bin/sh\nnfsnobody:x:65534:65534:Unmapped user:/:/sbin/nologin\n" % (
            os.environ.get("USER", "root"), inst.uid, os.getgid(), "", home)
        try:
            group_name = grp.getgrgid(os.getgid()).gr_name
        except KeyError:
            group_name = "users"
        group = "%s:x:%d:\nnfsnobody:x:65534:\n" % (group_name, os.getgid())
        for fd_name, data, dest in (("passwd", passwd, "/etc/passwd"), ("group", group, "/etc/group"),
                                    ("container-manager", "flatpak\n", "/run/host/container-manager")):
            fd = _memfd(fd_name, data)
            self._fds.append(fd)
            bw += ["--ro-bind-data", str(fd), dest]
        bw += ["--ro-bind", inst.app_root, "/app"]

        # XDG_RUNTIME_DIR and /tmp
        members = {"flatpak-info": "../../../.flatpak-info", "bus": "../../flatpak/bus",
                   ".flatpak": "../../flatpak/.flatpak", "app": "../../flatpak/app"}
        if inst.per_instance_runtime_dir:
            bw += ["--dir", "/tmp", "--perms", "0700", "--dir", run_user]
            for member, target in members.items():
                bw += ["--symlink", target, "%s/%s" % (run_user, member)]
        else:
            shared = inst.shared_runtime_dir()
            shared_tmp = os.path.join(inst.runtime_dir, ".flatpak", app_id, "tmp")
            os.makedirs(shared, mode=0o700, exist_ok=True)
            os.makedirs(shared_tmp, mode=0o700, exist_ok=True)
            for member, target in members.items():
                path = os.path.join(shared, member)
                if not os.path.islink(path):
                    os.symlink(target, path)
            bw += ["--dir", "/tmp", "--bind", shared_tmp, "/tmp", "--bind", shared, run_user]
        if inst.documents:
            view = os.path.join(inst.documents, "by-app", app_id)
            bw += ["--bind", view, run_user + "/doc"]
            # The portals hand out paths under the host's mount point
            # ($XDG_RUNTIME_DIR/doc), which on a desktop is /run/user/UID/doc,
            # the very path of the app's view. A test session's runtime
            # directory is elsewhere: the view is shown there too.
            if os.path.normpath(inst.documents) != run_user + "/doc":
                bw += ["--bind", view, inst.documents]
        bw += ["--ro-bind", self.instance_dir, "/run/flatpak/.flatpak/" + self.instance_id,
               "--bind", run_app_src, "/run/flatpak/app/" + app_id]

        if "ipc" not in ctx.shared:
            bw.append("--unshare-ipc")
        if "network" not in ctx.shared:
            bw.append("--unshare-net")
        if "dri" in ctx.devices and os.path.isdir("/dev/dri"):
            bw += ["--dev-bind", "/dev/dri", "/dev/dri"]

        sandbox_env = {
            "PATH": "/app/bin:/usr/bin",
            "XDG_CONFIG_DIRS": "/app/etc/xdg:/etc/xdg",
            "XDG_DATA_DIRS": "/app/share:/usr/share",
            "SHELL": "/bin/sh",
            "HOME": home,
            "USER": os.environ.get("USER", "root"),
            "XDG_RUNTIME_DIR": run_user,
            "FLATPAK_ID": app_id,
            "container": "flatpak",
            "XDG_DATA_HOME": os.path.join(inst.app_dir, "data"),
            "XDG_CONFIG_HOME": os.path.join(inst.app_dir, "config"),
            "XDG_CACHE_HOME": os.path.join(inst.app_dir, "cache"),
            "XDG_STATE_HOME": os.path.join(inst.app_dir, ".local/state"),
            "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/flatpak/bus",
        }
        for var in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "TERM"):
            if var in host_env:
                sandbox_env[var] = host_env[var]
        for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            if var in host_env:
                sandbox_env["HOST_" + var] = host_env[var]

        if ctx.x11(host_env) and host_env.get("DISPLAY", "").startswith(":"):
            display = host_env["DISPLAY"]
            number = display[1:].split(".")[0]
            x11_socket = "/tmp/.X11-unix/X" + number
            if os.path.exists(x11_socket):
                bw += ["--ro-bind", x11_socket, x11_socket]
            sandbox_env["DISPLAY"] = display
            cookie = subprocess.run(["xauth", "-f", host_env.get("XAUTHORITY", os.path.join(home, ".Xauthority")),
                                     "nextract", "-", display], capture_output=True).stdout
            xauth_file = tempfile.NamedTemporaryFile(dir=self.instance_dir, delete=False)
            xauth_file.close()
            subprocess.run(["xauth", "-q", "-f", xauth_file.name, "nmerge", "-"], input=cookie,
                           check=True, capture_output=True)
            bw += ["--ro-bind", xauth_file.name, "/run/flatpak/Xauthority"]
            sandbox_env["XAUTHORITY"] = "/run/flatpak/Xauthority"

        # $HOME shows only the app's own directory.
        bw += ["--dir", home, "--bind", inst.app_dir, inst.app_dir]
        for sub, dest in (("cache", "/var/cache"), ("data", "/var/data"), ("config", "/var/config"),
                          ("cache/tmp", "/var/tmp")):
            bw += ["--bind", os.path.join(inst.app_dir, sub), dest]
        for persist in ctx.persist:
            src = os.path.join(inst.app_dir, persist)
            os.makedirs(src, mode=0o755, exist_ok=True)
            bw += ["--bind", src, os.path.join(home, persist)]
        sandbox_env.update(ctx.env)

        bw += ["--ro-bind", session_socket, "/run/flatpak/bus"]
        if a11y_socket:
            bw += ["--ro-bind", a11y_socket, "/run/flatpak/at-spi-bus"]
            sandbox_env["AT_SPI_BUS_ADDRESS"] = "unix:path=/run/flatpak/at-spi-bus"

        fd = _memfd("flatpak-info", info)
        fd2 = _memfd("flatpak-info", info)
        self._fds += [fd, fd2]
        bw += ["--perms", "0600", "--file", str(fd), "/.flatpak-info", "--ro-bind-data", str(fd2), "/.flatpak-info"]

        info_r, info_w = os.pipe2(os.O_CLOEXEC)
        bw += ["--sync-fd", str(sync_r), "--info-fd", str(info_w), "--chdir", home, "--"]
        bw += argv
        sandbox_env.update(inst.extra_env)
        sandbox_env.update(env)
        self.argv = bw
        self.env = sandbox_env
        self.process = subprocess.Popen(bw, env=sandbox_env, pass_fds=[sync_r, info_w] + self._fds,
                                        stdin=stdin, stdout=stdout, stderr=stderr)
        os.close(sync_r)
        os.close(info_w)
        for fd in self._fds:
            os.close(fd)
        self._fds = []
        with os.fdopen(info_r, "rb") as f:
            data = f.read()  # bwrap closes it once the child runs
        if data:
            self.child_pid = json.loads(data)["child-pid"]
            with open(os.path.join(self.instance_dir, "bwrapinfo.json"), "wb") as f:
                f.write(data)

    def pids(self):
        """The host PIDs of every process in the sandbox."""
        if self.child_pid is None:
            return []
        found, todo = [], [self.child_pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                for task in os.listdir("/proc/%d/task" % pid):
                    with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                        todo += [int(p) for p in f.read().split()]
            except OSError:
                pass
        return found

    def wait(self, timeout=None):
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is not None:
                self._stop_proxy()

    def _stop_proxy(self):
        if self.proxy is None:
            return
        # It exits by itself once the sandbox has gone (the sync fd closes).
        try:
            self.proxy.wait(5)
        except subprocess.TimeoutExpired:
            self.proxy.kill()
            self.proxy.wait()
        self.proxy_log.close()
        self.proxy = None

    def stop(self):
        """Ends the sandbox (bwrap's PID 1 takes everything in it along) and its proxy."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stop_proxy()


def _a11y_bus_address():
    """The accessibility bus, as flatpak asks for it (org.a11y.Bus.GetAddress)."""
    run = subprocess.run(["gdbus", "call", "--session", "--dest", "org.a11y.Bus",
                          "--object-path", "/org/a11y/bus", "--method", "org.a11y.Bus.GetAddress"],
                         capture_output=True, text=True, timeout=30)
    if run.returncode != 0:
        return None
    out = run.stdout.strip()
    return out[2:-3] if out.startswith("('") and out.endswith("',)") else None
