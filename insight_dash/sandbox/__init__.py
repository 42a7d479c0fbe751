"""Running LLM-written analysis code with no way out.

Layers, each meant to hold on its own:
1. `policy`: a static AST check (imports, dunders, dynamic code, I/O) in the web process;
2. `zygote`: a warm per-host process, reached over a Unix socket, that forks a supervisor
   and a runner per query, so generated code never runs in a web or job process;
3. `runner`: resource limits, an empty environment and working directory, and
4. `seccomp`: no sockets, no exec, no new processes, no writes to files;
5. data arrives as already-open Parquet file descriptors and results leave as JSON;
6. the zygote runs as its own unprivileged user when the app starts as root.
"""
