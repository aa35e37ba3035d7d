// SPDX-License-Identifier: GPL-2.0
/* Program execution and binary loads.
 * A successful exec is recorded at sched_process_exec from the new image: bprm gives the file,
 * interpreter, mount and inode, and argv is read from mm->arg_start..arg_end, which the kernel
 * has just written (at sys_enter_execve a fresh child's argv is often not paged in yet).
 * A failed exec is recorded at sys_exit_execve(at) from the caller's pointers, read from the
 * syscall's saved registers; the kernel has already faulted them in by then. No program runs at
 * syscall entry: one sys_enter program would make the kernel run its tracepoint for every
 * syscall of the host. */
#define LANE prio
#include "common.bpf.h"

/* The command name before a successful exec. The kernel renames the task during exec
 * (task_rename, after the point of no return, with the old name still in task->comm); it is
 * staged by thread for sched_process_exec, which runs in the same thread. Renames outside exec
 * (prctl PR_SET_NAME) are not staged. LRU: an exec that dies after the rename leaves no entry
 * that could fill the map. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, char[TASK_COMM_LEN]);
} exec_comm SEC(".maps");

SEC("raw_tp/task_rename")
int BPF_PROG(handle_rename, struct task_struct *task, const char *comm)
{
	char old[TASK_COMM_LEN];
	__u32 tid;

	if (is_self() || !BPF_CORE_READ_BITFIELD_PROBED(task, in_execve))
		return 0;
	tid = BPF_CORE_READ(task, pid);
	BPF_CORE_READ_STR_INTO(&old, task, comm);
	bpf_map_update_elem(&exec_comm, &tid, &old, BPF_ANY);
	return 0;
}

/* Reads a user string of at most `cap` bytes (with its NUL) to dst; returns its length without
 * the NUL (0 when unreadable) and sets *cut when the string was longer than cap - 1. */
static __always_inline __u32 user_str(char *dst, __u64 cap, const char *src, bool *cut, bool *bad)
{
	char next = 0;
	long n;

	VERIFIER_BOUND(cap, 0x1fff);
	n = bpf_probe_read_user_str(dst, cap, src);

	*cut = false;
	*bad = n <= 0;
	if (n <= 0)
		return 0;
	if (n > cap)
		n = cap;
	if (n == cap) {
		/* a string of exactly cap - 1 bytes fills the buffer too: look at the byte after it */
		bpf_probe_read_user(&next, 1, src + n - 1);
		*cut = next != 0;
	}
	return n - 1;
}

struct args_walk {
	__u64 argv;       /* user pointer to the argv array */
	__u32 base;       /* record offset where the arguments start */
	__u32 al;         /* argument bytes written so far (each entry NUL-ended) */
	__u32 budget;     /* al never exceeds this (<= ARGS_CAP) */
	__u32 max_args;
	__u32 argc;
	__u16 eflags;
	__u64 unreadable;
	__u64 truncated;
};

/* One argument: read it after the previous one, clamped to what is left of the budget, always
 * NUL-ended. The record is found again through the per-CPU scratch area. */
static long arg_step(__u32 i, struct args_walk *w)
{
	bool cut = false, bad = false, ptr_bad;
	__u64 p = 0, at, room;
	__u32 n;
	char *e;

	ptr_bad = bpf_probe_read_user(&p, sizeof(p), (void *)(w->argv + i * 8)) != 0;
	if (!ptr_bad && !p)
		return 1;
	if (i >= w->max_args || w->al >= w->budget || i >= MAX_ARGV) {
		w->eflags |= EXEC_ARGS_TRUNC;
		return 1;
	}
	e = scratch_rec();
	if (!e)
		return 1;
	room = w->budget - w->al;
	if (room > ARG_CAP)
		room = ARG_CAP;
	/* at <= head + PATH_CAP + ARGS_CAP (under 0x11000): the 0x1ffff mask never changes it */
	at = w->base + w->al;
	if (at > PATH_CAP + ARGS_CAP + 1024)
		return 1;
	VERIFIER_BOUND(at, 0x1ffff);
	n = ptr_bad ? 0 : user_str(e + at, room, (const char *)p, &cut, &bad);
	if (n > room - 1)
		n = room - 1;
	if (bad || ptr_bad)
		w->unreadable |= 1ULL << (i & 63);
	if (cut)
		w->truncated |= 1ULL << (i & 63);
	at += n;
	VERIFIER_BOUND(at, 0x1ffff);
	e[at] = 0;
	w->al += n + 1;
	w->argc = i + 1;
	return ptr_bad ? 1 : 0;
}

static __always_inline int failed_exec(long ret, __u64 filename, __u64 argv)
{
	struct exec_event *e;
	struct args_walk w = {};
	__u32 base, fl;
	bool cut, bad;

	if (ret >= 0 || is_self())
		return 0;
	e = scratch_rec();
	if (!e)
		return 0;
	fill_head(&e->h, EV_EXEC);
	e->ret = ret;
	e->old_tid = e->h.tid;
	e->ino = 0;
	e->dev = 0;
	e->source = EXEC_SRC_SYS_EXIT;
	e->interp_len = 0;
	e->mount_len = 0;
	/* a failed exec leaves the name as it was */
	__builtin_memcpy(e->comm_before, e->h.comm, sizeof(e->comm_before));

	base = sizeof(*e);
	fl = user_str((char *)e + base, PATH_CAP, (const char *)filename, &cut, &bad);
	if (fl > PATH_CAP - 1)
		fl = PATH_CAP - 1;
	e->filename_len = fl;

	/* Arguments follow the filename; al never exceeds the budget, so the last write ends below
	 * base + PATH_CAP + ARGS_CAP, far inside the scratch area. */
	w.argv = argv;
	w.base = base + fl;
	w.budget = cfg.args_bytes < ARGS_CAP ? cfg.args_bytes : ARGS_CAP;
	w.max_args = cfg.max_args < MAX_ARGV ? cfg.max_args : MAX_ARGV;
	bpf_loop(MAX_ARGV + 1, arg_step, &w, 0);
	e = scratch_rec();
	if (!e)
		return 0;
	e->eflags = w.eflags | (cut ? EXEC_FILENAME_TRUNC : 0);
	e->argc = w.argc;
	e->args_len = w.al;
	e->args_total = w.al;
	e->unreadable = w.unreadable;
	e->truncated = w.truncated;
	emit(e, base + fl + w.al);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int handle_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = syscall_regs();

	return failed_exec(ctx->ret, SYSCALL_ARG1(regs), SYSCALL_ARG2(regs));
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int handle_exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = syscall_regs();

	return failed_exec(ctx->ret, SYSCALL_ARG2(regs), SYSCALL_ARG3(regs));
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct exec_event *e;
	char *s;
	struct file *file;
	struct mm_struct *mm;
	__u32 old = old_pid, off, limit;
	__u64 start, end, want;
	const char *p;
	long n;

	if (is_self())
		return 0;
	e = scratch_rec();
	if (!e)
		return 0;
	fill_head(&e->h, EV_EXEC);
	e->ret = 0;
	e->old_tid = old;
	e->source = EXEC_SRC_SCHED;
	e->eflags = 0;
	e->argc = 0;
	e->unreadable = 0;
	e->truncated = 0;
	/* staged under the thread's tid after de_thread(): the process's leader tid */
	s = bpf_map_lookup_elem(&exec_comm, &e->h.tid);
	if (s) {
		__builtin_memcpy(e->comm_before, s, sizeof(e->comm_before));
		bpf_map_delete_elem(&exec_comm, &e->h.tid);
	} else {
		__builtin_memset(e->comm_before, 0, sizeof(e->comm_before));
	}

	file = BPF_CORE_READ(bprm, file);
	e->ino = BPF_CORE_READ(file, f_inode, i_ino);
	e->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	e->argc = BPF_CORE_READ(bprm, argc);

	/* Each string is clamped to its cap before the next offset is taken: filename, interp and
	 * mount end below base + 2 * PATH_CAP + MOUNT_CAP, argv below that + ARGS_CAP. */
	off = sizeof(*e);
	p = BPF_CORE_READ(bprm, filename);
	n = bpf_probe_read_kernel_str((char *)e + off, PATH_CAP, p);
	if (n > PATH_CAP)
		n = PATH_CAP;
	if (n == PATH_CAP)
		e->eflags |= EXEC_FILENAME_TRUNC;
	e->filename_len = n > 0 ? n - 1 : 0;
	off += e->filename_len & (PATH_CAP - 1);

	p = BPF_CORE_READ(bprm, interp);
	n = bpf_probe_read_kernel_str((char *)e + off, PATH_CAP, p);
	if (n > PATH_CAP)
		n = PATH_CAP;
	e->interp_len = n > 0 ? n - 1 : 0;
	off += e->interp_len & (PATH_CAP - 1);

	p = (const char *)BPF_CORE_READ(file, f_path.mnt, mnt_root, d_name.name);
	n = bpf_probe_read_kernel_str((char *)e + off, MOUNT_CAP, p);
	if (n > MOUNT_CAP)
		n = MOUNT_CAP;
	e->mount_len = n > 0 ? n - 1 : 0;
	off += e->mount_len & (MOUNT_CAP - 1);

	mm = BPF_CORE_READ(task, mm);
	start = BPF_CORE_READ(mm, arg_start);
	end = BPF_CORE_READ(mm, arg_end);
	e->args_total = end > start ? end - start : 0;
	want = e->args_total;
	limit = cfg.args_bytes < ARGS_CAP ? cfg.args_bytes : ARGS_CAP;
	if (want > limit) {
		want = limit;
		e->eflags |= EXEC_ARGS_TRUNC;
	}
	if (want > ARGS_CAP)
		want = ARGS_CAP;
	/* keep the verifier's bound on the register the call uses (a no-op: want <= ARGS_CAP) */
	asm volatile("%[w] &= 0xffff" : [w] "+r"(want));
	if (bpf_probe_read_user((char *)e + off, want, (void *)start)) {
		e->eflags |= EXEC_ARGS_UNREADABLE;
		want = 0;
	}
	e->args_len = want;
	emit(e, off + want);
	return 0;
}
