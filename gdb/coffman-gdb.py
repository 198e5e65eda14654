# coffman-gdb.py: coffman's view of a process, in gdb — live (gdb -p PID, e.g. one that
# COFFMAN_ON_REPORT=stop stopped) or from a core file (gdb PROGRAM CORE).
#
#   (gdb) source /usr/local/share/coffman/coffman-gdb.py     (or: gdb -x coffman-gdb.py ...)
#   (gdb) coffman-threads
#
# For every thread libcoffman knows: its number in coffman's reports (T1 is the main thread), its tid
# and gdb's thread number (`thread N` then `bt` for its live stack), what it waits for (a lock and the
# thread holding it, a join, a condition wait) with the stack coffman recorded at the blocking call,
# and every lock it holds with where it took it.  Then any wait-for cycle among them: a deadlock.
#
# It only reads memory: libcoffman's thread registry (reg_head in shim/threads.c), its stack store
# (shim/stacks.c) and the names of lock kinds (shim/order.c, shim/annotate.c), through their debug
# information — present in a build tree and after `make install`; a distribution package keeps it in
# its -dbgsym package.  Nothing in the process is called, so it works on a core file as well.

import time

import gdb


def _static(name, source_suffix):
    """The static variable `name` defined in libcoffman's source file ending in source_suffix."""
    for sym in gdb.lookup_static_symbols(name):
        if sym.symtab and sym.symtab.filename.endswith(source_suffix):
            return sym.value()
    return None


def _enum(name, default):
    try:
        return int(gdb.parse_and_eval(name))
    except gdb.error:
        return default


def _symbol_of(addr):
    """The variable at addr, as coffman's reports name it ('queue_lock', 'account_a+8'), or ''."""
    try:
        out = gdb.execute("info symbol 0x%x" % addr, to_string=True)
    except gdb.error:
        return ""
    if out.startswith("No symbol"):
        return ""
    return out.split(" in section")[0].replace(" + ", "+").strip()


# Frames past main or a thread's start routine are libc's plumbing (as in coffman's reports).
_PLUMBING = {"start_thread", "clone", "clone3", "__clone", "__clone3", "__libc_start_call_main",
             "__libc_start_main", "__libc_start_main_impl", "_start", "thread_trampoline"}


def _function_of(pc):
    try:
        block = gdb.block_for_pc(pc - 1)
        while block is not None and block.function is None:
            block = block.superblock
        return block.function.print_name if block is not None else None
    except RuntimeError:
        return None


def _program_frames(pcs):
    """pcs up to main or the thread's start routine, as coffman's reports show them."""
    out = []
    for pc in pcs:
        name = _function_of(pc)
        if name in _PLUMBING:
            break
        out.append(pc)
        if name == "main":
            break
    return out


def _where(pc):
    """'function file:line' for a return address (the call before it), or what is known."""
    look = pc - 1 if pc else pc
    name = _function_of(pc)
    if not name:
        name = _symbol_of(look) or "??"
    sal = gdb.find_pc_line(look)
    if sal.symtab:
        return "%s %s:%d" % (name, sal.symtab.filename, sal.line)
    return "%s (0x%x)" % (name, pc)


class _Coffman:
    def __init__(self):
        self.head = _static("reg_head", "threads.c")
        if self.head is None:
            raise gdb.GdbError("coffman-threads: libcoffman.so is not loaded in this process, or has no "
                               "debug information (reg_head in shim/threads.c not found)")
        self.builtin_kinds = _static("kind_names", "order.c")
        self.user_kinds = _static("kind_names", "annotate.c")
        self.nuser_kinds = _static("nkinds", "annotate.c")
        self.by_id = _static("by_id", "stacks.c")
        self.nstacks = _static("count", "stacks.c")
        self.lk_user = _enum("LK_USER", 32)
        self.w = {_enum("W_NONE", 0): "none", _enum("W_LOCK", 1): "lock", _enum("W_COND", 2): "cond",
                  _enum("W_JOIN", 3): "join", _enum("W_ONCE", 4): "once"}

    def kind_name(self, kind):
        if kind >= self.lk_user and self.user_kinds is not None:
            i = kind - self.lk_user
            if self.nuser_kinds is not None and i >= int(self.nuser_kinds):
                i = 0
            return self.user_kinds[i].string()
        if self.builtin_kinds is not None and 0 <= kind < self.builtin_kinds.type.range()[1] + 1:
            return self.builtin_kinds[kind].string()
        return "lock"

    def lock_label(self, addr, kind):
        name = _symbol_of(addr)
        return "0x%x%s (%s)" % (addr, " '%s'" % name if name else "", self.kind_name(kind))

    def stack(self, stack_id):
        """The return addresses of a stored stack (shim/stacks.c), [] if unknown."""
        if not stack_id or self.by_id is None or stack_id > int(self.nstacks):
            return []
        entry = self.by_id[stack_id - 1].dereference()
        return [int(entry["pcs"][i]) for i in range(int(entry["n"]))]

    def threads(self):
        out = []
        t = self.head
        while int(t) != 0 and len(out) < 100000:
            out.append(t.dereference())
            t = t["next"]
        return out


def _now_ns_if_live():
    """CLOCK_MONOTONIC now, for a live process on this machine (a core's clock is of another time)."""
    try:
        if gdb.selected_inferior().connection.type != "native":
            return None
    except AttributeError:
        return None
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


class CoffmanThreads(gdb.Command):
    """Print coffman's view of this process: its threads, the locks each holds, what each waits for.

Usage: coffman-threads
Works on a live process and on a core file; reads libcoffman.so's memory through its debug info."""

    def __init__(self):
        super().__init__("coffman-threads", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        c = _Coffman()
        now = _now_ns_if_live()
        gdb_thread = {t.ptid[1]: t.num for t in gdb.selected_inferior().threads()}
        gdb_name = {t.ptid[1]: t.name for t in gdb.selected_inferior().threads()}
        recs = sorted(c.threads(), key=lambda r: int(r["num"]))
        holder = {}       # lock address -> coffman thread number
        for r in recs:
            released = {int(r["released"][i]) for i in range(int(r["nreleased"]))}
            for i in range(min(int(r["nheld"]), int(r["held"].type.range()[1]) + 1)):
                lock = int(r["held"][i]["lock"])
                if lock not in released:
                    holder.setdefault(lock, int(r["num"]))
        print("coffman: %d thread%s known to libcoffman (pid %d)" %
              (len(recs), "" if len(recs) == 1 else "s", gdb.selected_inferior().pid))
        succ = {}
        for r in recs:
            num, tid = int(r["num"]), int(r["tid"])
            ident = "T%d (tid %d, gdb thread %s%s)" % (
                num, tid, gdb_thread.get(tid, "?"),
                ', "%s"' % gdb_name[tid] if gdb_name.get(tid) else "")
            wk = c.w.get(int(r["wait_kind"]), "wait kind %d" % int(r["wait_kind"]))
            obj = int(r["wait_obj"])
            since = ""
            if wk != "none" and now is not None and int(r["wait_since_ns"]):
                since = ", for %.1f s" % ((now - int(r["wait_since_ns"])) / 1e9)
            timed = " (timed)" if int(r["wait_timed"]) else ""
            if wk == "none":
                print("\n%s: running (not in a wait coffman sees)" % ident)
            elif wk == "lock":
                h = holder.get(obj)
                if h is not None and not int(r["wait_timed"]):
                    succ[num] = h
                print("\n%s: waits for %s, %s%s%s" % (
                    ident, c.lock_label(obj, int(r["wait_lock_kind"])),
                    "held by T%d" % h if h is not None else "held by no thread coffman knows", timed, since))
            elif wk == "join":
                succ[num] = int(r["join_num"])
                print("\n%s: waits in pthread_join of T%d%s" % (ident, int(r["join_num"]), since))
            elif wk == "cond":
                print("\n%s: waits on condition variable 0x%x%s%s" % (ident, obj, timed, since))
            elif wk == "once":
                print("\n%s: waits in pthread_once 0x%x%s" % (ident, obj, since))
            else:
                print("\n%s: waits (%s) on 0x%x%s" % (ident, wk, obj, since))
            if wk != "none":
                pcs = _program_frames(c.stack(int(r["wait_stack"])) or [int(r["wait_pc"])])
                for k, pc in enumerate(pcs[:16]):
                    print("  %s %s" % ("blocked at:" if k == 0 else "           ", _where(pc)))
            nheld = int(r["nheld"])
            if nheld == 0:
                print("  holds nothing")
            for i in range(min(nheld, int(r["held"].type.range()[1]) + 1)):
                h = r["held"][i]
                lock = int(h["lock"])
                depth = int(h["depth"])
                flags = int(h["flags"])
                extra = []
                if depth > 1:
                    extra.append("held %d times" % depth)
                if flags & 2:
                    extra.append("shared")
                if flags & 1:
                    extra.append("try-locked")
                if holder.get(lock) != num:
                    extra.append("released by another thread")
                print("  holds %s%s, acquired at %s" % (
                    c.lock_label(lock, int(h["kind"])), " [%s]" % ", ".join(extra) if extra else "",
                    _where(int(h["pc"]))))
        for start in sorted(succ):
            seen, n = [], start
            while n in succ and n not in seen:
                seen.append(n)
                n = succ[n]
            if n == start and start == min(seen):
                print("\nwait-for cycle (a deadlock): %s -> T%d" % (" -> ".join("T%d" % x for x in seen), start))


CoffmanThreads()
