"""One Jupyter kernel per process for ``perfeval report`` (present/build.py): launched once, when the worker
starts (forked from it with the notebooks' imports done where :mod:`~perfeval_utils.present.forked_kernel`
allows, else started anew, importing them while it boots), and reset before every notebook so that a
notebook writes the same whichever notebooks ran before it in the same kernel.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

from perfeval_utils.errors import PerfevalError

#: Run before every notebook (see notebook.reset_kernel); it binds no name and shows nothing.
_RESET = '__import__("perfeval_utils.present.notebook", fromlist=["reset_kernel"]).reset_kernel({figures})'


class NotebookRunError(PerfevalError):
    """A notebook stopped with an error; the message names the notebook, the workbook and the error."""

    def __init__(self, notebook: str, workbook: str, problem: str) -> None:
        self.notebook, self.workbook, self.problem = notebook, workbook, problem
        super().__init__(f"{notebook} on {workbook}: {problem}; fix: open the executed notebook beside the HTML "
                         "to see the failing cell, or run `perfeval check` on the workbook")

    def __reduce__(self) -> tuple[Any, ...]:  # it travels back from a worker process
        return (type(self), (self.notebook, self.workbook, self.problem))


_KERNEL: dict[str, Kernel] = {}


def start_worker(cwd: Path | None, fork: bool) -> None:
    """In a new worker: launch its kernel now (it boots while the worker draws), forked from this worker
    where :func:`~perfeval_utils.present.forked_kernel.preload` allowed it, and stop it when the worker
    ends."""
    from multiprocessing.util import Finalize

    if cwd is not None:
        process_kernel(cwd, wait=False, fork=fork)
    Finalize(None, stop_kernel, exitpriority=100)  # registered after the fork: the kernel has none


def process_kernel(cwd: Path, *, wait: bool = True, fork: bool = False) -> Kernel:
    kernel = _KERNEL.get("kernel")
    if kernel is None:
        kernel = _KERNEL["kernel"] = Kernel(cwd)
        kernel.launch(fork=fork)
    if wait:
        kernel.ready()
    return kernel


def stop_kernel() -> None:
    kernel = _KERNEL.pop("kernel", None)
    if kernel is not None:
        kernel.stop()


#: Run by the kernel as it starts, before it reports ready: what every notebook imports, so the imports
#: happen while the worker does something else, and nothing a first import prints lands in a notebook.
WARM_MODULES = ("pandas", "matplotlib.pyplot", "perfeval_utils.present.notebook", "perfeval_utils.present.charts",
                "perfeval_utils.present.display")
WARM_IMPORTS = tuple(f"import {module}" for module in WARM_MODULES)


class Kernel:
    """One python3 kernel for a process's notebooks, launched once, reset before every notebook."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.km: Any = None
        self.kc: Any = None
        self.sockets: tempfile.TemporaryDirectory[str] | None = None

    def launch(self, *, fork: bool = False) -> None:
        """Start the kernel process, forked from this one with ``fork`` (see forked_kernel); do not wait
        for it (see :meth:`ready`)."""
        seed = None
        if fork:  # before anything here makes an event loop, zmq context or socket the child would share
            from perfeval_utils.present.forked_kernel import KernelFork

            seed = KernelFork()
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        # IPC sockets where there are any (no TCP ports to find, no warning about plain-text TCP), at an
        # absolute path: the kernel runs in the notebooks' folder, this process elsewhere
        if os.name == "posix":
            self.sockets = tempfile.TemporaryDirectory(prefix="perfeval-kernel-")
            self.km = AsyncKernelManager(kernel_name="python3", transport="ipc",
                                         ip=str(Path(self.sockets.name) / "kernel"))
        else:
            self.km = AsyncKernelManager(kernel_name="python3")
        if fork:
            from perfeval_utils.present.forked_kernel import ForkingProvisioner

            self.km.kernel_id = str(uuid.uuid4())
            self.km.provisioner = ForkingProvisioner(kernel_id=self.km.kernel_id, kernel_spec=self.km.kernel_spec,
                                                     parent=self.km)
            self.km.provisioner.fork = seed
        warm = "--IPKernelApp.exec_lines=" + repr(list(WARM_IMPORTS))
        # no input history: nobody reads it, kernels running at once would share its SQLite file, and it
        # refuses the execution count going back to 1 before each notebook
        run_sync(self.km.start_kernel)(cwd=str(self.cwd), extra_arguments=[warm, "--HistoryManager.enabled=False"])

    def ready(self) -> None:
        """Wait until the kernel answers (once); one client serves all the process's notebooks."""
        from jupyter_core.utils import run_sync

        if self.kc is None:
            self.kc = self.km.client()
            self.kc.start_channels()
            run_sync(answered)(self.km, self.kc, 120)

    def stop(self) -> None:
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            self.kc.stop_channels()
        run_sync(self.km.shutdown_kernel)(now=True)
        if self.sockets is not None:
            self.sockets.cleanup()

    def _client(self, nb: Any) -> Any:
        from nbclient import NotebookClient

        # no timings and one stream output per cell: a print split by the kernel's flush timing
        # would otherwise differ from run to run
        client = NotebookClient(nb, km=self.km, kernel_name="python3", record_timing=False, coalesce_streams=True,
                                timeout=600, resources={"metadata": {"path": str(self.cwd)}})
        client.kc = self.kc
        return client

    def run(self, notebook: Path, executed: Path, parameters: dict[str, object], *, workbook: str,
            figures: Path | None = None) -> None:
        """Execute ``notebook`` with ``parameters`` injected and save it as ``executed``, run through or as far
        as it got (a NotebookRunError names ``workbook``); ``figures``: where notebook.show writes charts."""
        import nbformat
        from jupyter_core.utils import run_sync
        from nbclient.exceptions import CellExecutionError

        # the previous notebook's names, figures and warnings go (imported modules stay): every notebook
        # starts alike, whichever ran before it in this kernel
        # (sent as a silent request, not as a notebook: no client to set up, no count taken)
        reset = _RESET.format(figures=repr(str(figures)) if figures is not None else "None")
        reply = run_sync(self.kc.execute_interactive)(reset, silent=True, store_history=False, timeout=120,
                                                      output_hook=lambda message: None)
        if reply["content"]["status"] != "ok":
            raise NotebookRunError(notebook.name, workbook, "the kernel could not be reset before it: "
                                   + str(reply["content"].get("evalue", reply["content"]["status"])))
        nb = inject_parameters(nbformat.read(notebook, as_version=4), parameters)
        client = self._client(nb)
        executed.parent.mkdir(parents=True, exist_ok=True)
        try:
            client.execute()
        except CellExecutionError as exc:
            nbformat.write(nb, executed)
            problem = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise NotebookRunError(notebook.name, workbook, problem) from None
        nbformat.write(nb, executed)


async def answered(km: Any, kc: Any, timeout: float) -> None:
    """Until the kernel has answered a kernel_info request on the shell channel and sent something on IOPub
    (so that IOPub is connected): jupyter_client's ``wait_for_ready`` without its last step, which waits
    another 0.2 s for IOPub to fall quiet. Nothing needs that here: nbclient and ``execute_interactive``
    take only the messages of their own request."""
    import time
    from queue import Empty

    deadline = time.monotonic() + timeout
    while True:
        kc.kernel_info()
        try:
            reply = await kc.shell_channel.get_msg(timeout=1)
        except Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            try:
                await kc.iopub_channel.get_msg(timeout=0.2)
                return
            except Empty:  # IOPub not connected yet: ask again
                pass
        if not await km.is_alive():
            raise RuntimeError("the kernel died before it answered")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the kernel did not answer in {timeout:.0f} s")


def inject_parameters(nb: Any, parameters: dict[str, object]) -> Any:
    """Papermill's injected-parameters cell after the ``parameters`` cell, Chinese kept readable, fixed id."""
    import nbformat
    from papermill.translators import PythonTranslator

    class Readable(PythonTranslator):
        @classmethod
        def translate_str(cls, val: str) -> str:
            return repr(val)  # papermill escapes Chinese to \\uXXXX, unreadable in the HTML

    cell = nbformat.v4.new_code_cell(source=Readable.codify(parameters, "Parameters"))
    cell.id = "injected-parameters"  # a fixed id: nbformat's random one would change the file every run
    cell.metadata["tags"] = ["injected-parameters"]
    at = next((i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), 0)
    nb.cells = [c for c in nb.cells[:at] if "injected-parameters" not in c.metadata.get("tags", [])] + [cell] + [
        c for c in nb.cells[at:] if "injected-parameters" not in c.metadata.get("tags", [])]
    nb.metadata["papermill"] = {"parameters": parameters}
    return nb
