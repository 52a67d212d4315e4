"""Kernels forked from a worker that has imported what the notebooks import, instead of started as a new
Python: ``perfeval report`` for one department spent more time starting its two kernels (≈ 0.9 CPU-s
each: the interpreter, ipykernel, pandas, matplotlib and the package) than running half its notebooks.

A forked kernel must start as a new one would, so it is used only where that holds:

* the platform forks, and the kernelspec starts this very interpreter with ``-m ipykernel_launcher``;
* the process that forks the workers has not used matplotlib or IPython itself (a figure drawn, a
  style applied or a shell made there would be inherited); :func:`preload` checks it, then imports;
* only worker processes fork kernels, first thing, while they have one thread and no event loop, zmq
  context or open kernel socket (:class:`KernelFork`); the child waits until told how to start.

The child takes what ``jupyter_client`` gives a new process (environment, working folder, a new session,
empty standard input, ``sys.argv`` and ``sys.path`` of ``python -m ipykernel_launcher``), sets
matplotlib's backend as importing it under ipykernel would, and runs ``IPKernelApp`` with the same
arguments. jupyter_client's kernel manager and client work with it unchanged: only the provisioner's
launch differs (:class:`ForkingProvisioner`).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from jupyter_client.provisioning.local_provisioner import LocalProvisioner

#: The backend ipykernel sets (``MPLBACKEND``) before any notebook imports matplotlib.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_LAUNCHER = "ipykernel_launcher"
#: Modules whose state a forked kernel would inherit, unlike a new one.
_STATEFUL = ("matplotlib", "IPython")


def preload(modules: Sequence[str]) -> bool:
    """In the process about to fork the workers: import ipykernel and ``modules`` (what every notebook
    imports) so that every kernel forked later starts with them. False (nothing imported) where a forked
    kernel would not start as a new one: no fork, or matplotlib or IPython already imported here."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods() or any(name in sys.modules for name in _STATEFUL):
        return False
    for name in ("ipykernel.kernelapp", *modules):
        importlib.import_module(name)
    return True


class KernelFork:
    """A child forked now, that becomes the kernel once :meth:`start` says how (or leaves at :meth:`cancel`)."""

    def __init__(self) -> None:
        orders, self._write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self._write)
            _await_orders(orders)
        os.close(orders)

    def start(self, arguments: list[str], env: dict[str, str], cwd: str) -> ForkedProcess:
        with os.fdopen(self._write, "w", encoding="utf-8") as pipe:
            json.dump({"arguments": arguments, "env": env, "cwd": cwd}, pipe)
        return ForkedProcess(self.pid)

    def cancel(self) -> None:
        os.close(self._write)  # the child reads nothing and leaves
        ForkedProcess(self.pid).wait()


class ForkingProvisioner(LocalProvisioner):  # type: ignore[misc]
    """jupyter_client's local provisioner, but the kernel process is :attr:`fork` (see the module docstring);
    any other kernel command is launched as usual."""

    fork: KernelFork | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        fork, self.fork = self.fork, None
        if fork is None or cmd[:3] != [sys.executable, "-m", _LAUNCHER]:  # another interpreter: start it anew
            if fork is not None:
                fork.cancel()
            return await super().launch_kernel(cmd, **kwargs)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launch: the kernel ends if we do
        self.process = fork.start(cmd[3:], env, cwd)
        self.pid = self.pgid = fork.pid  # the child starts its own session: its group is its pid
        self.cwd = cwd
        return self.connection_info

    async def wait(self) -> int | None:
        """Until the kernel has ended: a blocking wait, where the local provisioner polls every 0.1 s (a
        killed kernel ends at once; the worker has nothing else to do meanwhile)."""
        if self.process is None:
            return 0
        code = self.process.wait()
        self.process = None
        return code


class ForkedProcess:
    """The part of ``subprocess.Popen`` the provisioner uses, for a forked child."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _await_orders(orders: int) -> NoReturn:
    """The forked child: wait for :meth:`KernelFork.start`, then become what ``python -m ipykernel_launcher
    <arguments>`` would start; run the kernel until it is shut down or killed, and leave without running
    the worker's exit handlers."""
    code = 1
    try:
        with os.fdopen(orders, encoding="utf-8") as pipe:
            text = pipe.read()
        if not text:  # cancelled
            code = 0
            return _leave(code)
        order = json.loads(text)
        arguments, env, cwd = order["arguments"], order["env"], order["cwd"]
        os.setsid()  # as jupyter_client's launch: an interrupt of the terminal does not reach the kernel
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        os.close(stdin)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        launcher = importlib.import_module(_LAUNCHER)
        sys.argv = [str(launcher.__file__), *arguments]
        if not sys.flags.safe_path:  # what Python put first (the folder of the command), which the launcher
            del sys.path[0]          # removes; IPython adds the working folder as it starts
        if "matplotlib" in sys.modules:  # imported before ipykernel set MPLBACKEND: set it as import would
            sys.modules["matplotlib"].rcParams["backend"] = env.get("MPLBACKEND") or INLINE_BACKEND
        from ipykernel.kernelapp import IPKernelApp

        # ipykernel read JPY_PARENT_PID when it was imported, before the fork
        app = IPKernelApp.instance(parent_handle=int(env["JPY_PARENT_PID"]))
        app.initialize(arguments)
        app.start()
        code = 0
    except BaseException:  # the child must never return into the worker's code
        import traceback

        traceback.print_exc(file=sys.__stderr__)
    return _leave(code)


def _leave(code: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):  # leaving anyway
            if stream is not None:
                stream.flush()
    os._exit(code)
