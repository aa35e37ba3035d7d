// SPDX-License-Identifier: GPL-2.0
/* Program execution and binary loads.
 * A successful exec is recorded at sched_process_exec from the new image: bprm gives the file,
 * interpreter, mount and inode, and argv is read from mm->arg_start..arg_end, which the kernel
 * has just written (at sys_enter_execve a fresh child's argv is often not paged in yet).
 * A failed exec is recorded at sys_exit_execve(at) from the caller's pointers, which the kernel
 * has already faulted in by then. Enter stages those pointers by thread. */
#include "common.bpf.h"

#define MAX_ARGV 64
#define ARG_MAX_ONE 4096

struct exec_stage {
	__u64 filename;
	__u64 argv;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct exec_stage);
} exec_stage SEC(".maps");

static __always_inline int stage(__u64 filename, __u64 argv)
{
	struct exec_stage s = {};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (is_self())
		return 0;
	s.filename = filename;
	s.argv = argv;
	bpf_get_current_comm(s.comm, sizeof(s.comm));
	bpf_map_update_elem(&exec_stage, &tid, &s, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int handle_enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return stage(ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int handle_enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return stage(ctx->args[1], ctx->args[2]);
}

static __always_inline int failed_exec(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct exec_stage *s = bpf_map_lookup_elem(&exec_stage, &tid);
	struct exec_event *e;
	__u32 off, max_args;
	long n;

	if (!s)
		return 0;
	if (ret >= 0)
		goto out;
	e = scratch_rec();
	if (!e)
		goto out;
	fill_head(&e->h, EV_EXEC);
	e->ret = ret;
	e->old_tid = tid;
	e->ino = 0;
	e->dev = 0;
	e->source = EXEC_SRC_SYS_EXIT;
	e->eflags = 0;
	e->interp_len = 0;
	e->mount_len = 0;
	e->unreadable = 0;
	e->truncated = 0;
	__builtin_memcpy(e->comm_before, s->comm, sizeof(e->comm_before));

	off = sizeof(*e);
	n = bpf_probe_read_user_str((char *)e + off, PATH_CAP, (void *)s->filename);
	if (n < 0)
		n = 0;
	if (n == PATH_CAP)
		e->eflags |= EXEC_FILENAME_TRUNC;
	e->filename_len = n > 0 ? n - 1 : 0;
	off = (off + e->filename_len) & OFF_MASK;

	e->args_len = 0;
	e->argc = 0;
	max_args = cfg.max_args < MAX_ARGV ? cfg.max_args : MAX_ARGV;
	for (int i = 0; i < MAX_ARGV; i++) {
		__u64 p = 0;

		if (i >= max_args) {
			bpf_probe_read_user(&p, sizeof(p), (void *)(s->argv + i * 8));
			if (p)
				e->eflags |= EXEC_ARGS_TRUNC;
			break;
		}
		if (bpf_probe_read_user(&p, sizeof(p), (void *)(s->argv + i * 8))) {
			e->unreadable |= 1ULL << i;
			e->argc = i + 1;
			break;
		}
		if (!p)
			break;
		n = bpf_probe_read_user_str((char *)e + off, ARG_MAX_ONE, (void *)p);
		if (n <= 0) {
			e->unreadable |= 1ULL << i;
			n = 1;
			*((char *)e + off) = 0;
		} else if (n == ARG_MAX_ONE) {
			e->truncated |= 1ULL << i;
		}
		off = (off + n) & OFF_MASK;
		e->args_len += n;
		e->argc = i + 1;
	}
	e->args_total = e->args_len;
	emit(e, off);
out:
	bpf_map_delete_elem(&exec_stage, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int handle_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return failed_exec(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int handle_exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	return failed_exec(ctx->ret);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct exec_event *e;
	struct exec_stage *s;
	struct file *file;
	struct mm_struct *mm;
	__u32 old = old_pid, off;
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
	s = bpf_map_lookup_elem(&exec_stage, &old);
	if (s) {
		__builtin_memcpy(e->comm_before, s->comm, sizeof(e->comm_before));
		/* the caller's tid is gone after a non-leader exec: sys_exit would not find it */
		bpf_map_delete_elem(&exec_stage, &old);
	} else {
		__builtin_memset(e->comm_before, 0, sizeof(e->comm_before));
	}

	file = BPF_CORE_READ(bprm, file);
	e->ino = BPF_CORE_READ(file, f_inode, i_ino);
	e->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);

	off = sizeof(*e);
	p = BPF_CORE_READ(bprm, filename);
	n = bpf_probe_read_kernel_str((char *)e + off, PATH_CAP, p);
	if (n < 0)
		n = 0;
	if (n == PATH_CAP)
		e->eflags |= EXEC_FILENAME_TRUNC;
	e->filename_len = n > 0 ? n - 1 : 0;
	off = (off + e->filename_len) & OFF_MASK;

	p = BPF_CORE_READ(bprm, interp);
	n = bpf_probe_read_kernel_str((char *)e + off, PATH_CAP, p);
	e->interp_len = n > 0 ? n - 1 : 0;
	off = (off + e->interp_len) & OFF_MASK;

	p = (const char *)BPF_CORE_READ(file, f_path.mnt, mnt_root, d_name.name);
	n = bpf_probe_read_kernel_str((char *)e + off, MOUNT_CAP, p);
	e->mount_len = n > 0 ? n - 1 : 0;
	off = (off + e->mount_len) & OFF_MASK;

	mm = BPF_CORE_READ(task, mm);
	start = BPF_CORE_READ(mm, arg_start);
	end = BPF_CORE_READ(mm, arg_end);
	e->args_total = end > start ? end - start : 0;
	want = e->args_total;
	if (want > cfg.arg_bytes) {
		want = cfg.arg_bytes;
		e->eflags |= EXEC_ARGS_TRUNC;
	}
	if (want > ARGS_CAP) {
		want = ARGS_CAP;
		e->eflags |= EXEC_ARGS_TRUNC;
	}
	/* keep the verifier's bound on the register the call uses */
	asm volatile("%[w] &= 0xffff" : [w] "+r"(want));
	if (bpf_probe_read_user((char *)e + off, want, (void *)start)) {
		e->unreadable = 1;
		want = 0;
	}
	e->args_len = want;
	emit(e, off + want);
	return 0;
}
