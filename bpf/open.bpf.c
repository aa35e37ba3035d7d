// SPDX-License-Identifier: GPL-2.0
/* File opens: open, openat, openat2, one program each at syscall exit. It reads the arguments
 * from the saved registers and the path (the kernel has faulted it in by then) and, for a
 * relative path, walks the directory it is relative to (cwd or dirfd) up to the root, across
 * mounts, so -F works offline. */
#define LANE bulk
#include "common.bpf.h"

/* The arguments are read at exit from the syscall's saved registers: no enter program and no
 * staging map (an enter program, a hash update, lookup and delete per open cost more than the
 * rest of the record; measured with bench/peers.sh, see the README). */
struct open_args {
	__u64 path;
	__u64 resolve;
	__s32 dirfd;
	__u32 flags;
	__u32 mode;
	__u32 call;
};

static __always_inline void read_args(struct open_args *a, __u32 call)
{
	struct pt_regs *regs = syscall_regs();

	a->call = call;
	a->resolve = 0;
	if (call == OPEN_CALL_OPEN) {
		a->dirfd = AT_FDCWD;
		a->path = SYSCALL_ARG1(regs);
		a->flags = SYSCALL_ARG2(regs);
		a->mode = SYSCALL_ARG3(regs);
		return;
	}
	a->dirfd = SYSCALL_ARG1(regs);
	a->path = SYSCALL_ARG2(regs);
	if (call == OPEN_CALL_OPENAT) {
		a->flags = SYSCALL_ARG3(regs);
		a->mode = SYSCALL_ARG4(regs);
	} else {
		struct open_how how = {};

		bpf_probe_read_user(&how, sizeof(how), (void *)SYSCALL_ARG3(regs));
		a->flags = how.flags;
		a->mode = how.mode;
		a->resolve = how.resolve;
	}
}

struct dir_walk {
	struct dentry *dentry;
	struct mount *mnt;
	__u32 off;      /* where the next component goes, from the record's start */
	__u32 end;      /* the walk never writes at or past this offset */
	__u32 depth;    /* components still allowed */
	__u32 truncated;
};

/* One step up from w->dentry: writes its name (NUL-terminated) and moves to the parent,
 * crossing mounts. Ends at the root, at the depth limit (marked truncated), or on a read error.
 * The record is found again through the per-CPU scratch area (bpf_loop callbacks cannot carry
 * a map value pointer). */
static long dir_step(__u32 i, struct dir_walk *w)
{
	struct dentry *dentry = w->dentry, *parent, *root;
	struct mount *mnt = w->mnt;
	const unsigned char *name;
	__u64 at = w->off;
	char *e;
	long n;

	root = BPF_CORE_READ(mnt, mnt.mnt_root);
	if (dentry == root) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (up == mnt)
			return 1;
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		return 0;
	}
	parent = BPF_CORE_READ(dentry, d_parent);
	if (parent == dentry)
		return 1;
	if (!w->depth || at + NAME_CAP > w->end) {
		w->truncated = 1;
		return 1;
	}
	e = scratch_rec();
	if (!e)
		return 1;
	name = BPF_CORE_READ(dentry, d_name.name);
	VERIFIER_BOUND(at, 0xffff);
	n = bpf_probe_read_kernel_str(e + at, NAME_CAP, name);
	if (n <= 0)
		return 1;
	if (n > NAME_CAP)
		n = NAME_CAP;
	w->off += n;
	w->depth--;
	w->dentry = parent;
	return 0;
}

/* Writes the names of the directories from `dentry` up to the root, leaf first, each
 * NUL-terminated, from offset off. Returns the new offset; sets OPEN_DIR_TRUNC if cut short. */
static __always_inline __u32 walk_dir(struct open_event *e, __u32 off, struct dentry *dentry, struct vfsmount *vfs)
{
	struct dir_walk w = {
		.dentry = dentry,
		.mnt = container_of(vfs, struct mount, mnt),
		.off = off,
		.end = off + NAME_CAP * DIR_DEPTH_CAP,
		.depth = cfg.dir_depth < DIR_DEPTH_CAP ? cfg.dir_depth : DIR_DEPTH_CAP,
	};

	/* mount crossings take steps too: allow two per component */
	bpf_loop(2 * DIR_DEPTH_CAP + 2, dir_step, &w, 0);
	if (w.truncated)
		e->oflags |= OPEN_DIR_TRUNC;
	return w.off;
}

static __always_inline int emit_open(long ret, __u32 call)
{
	struct open_args args, *s = &args;
	struct open_event *e;
	__u32 off, start, limit;
	char first = 0;
	long n;

	if (is_self())
		return 0;
	e = scratch_rec();
	if (!e)
		return 0;
	read_args(s, call);
	fill_head(&e->h, EV_OPEN);
	e->ret = ret;
	e->dirfd = s->dirfd;
	e->flags = s->flags;
	e->mode = s->mode;
	e->resolve = s->resolve;
	e->call = s->call;
	e->oflags = 0;
	e->dir_len = 0;

	off = sizeof(*e);
	/* limit counts the NUL: path_bytes of text at most */
	limit = cfg.path_bytes < PATH_CAP - 1 ? cfg.path_bytes + 1 : PATH_CAP;
	n = bpf_probe_read_user_str((char *)e + off, limit & (PATH_CAP * 2 - 1), (void *)s->path);
	if (n < 0)
		n = 0;
	if (n > limit)
		n = limit;
	if (n > 0 && n == limit) {
		char next = 0;

		bpf_probe_read_user(&next, 1, (char *)s->path + n - 1);
		if (next)
			e->oflags |= OPEN_PATH_TRUNC;
	}
	e->path_len = n > 0 ? n - 1 : 0;
	off += e->path_len & (PATH_CAP - 1);
	first = ((char *)e)[sizeof(*e)];

	if (e->path_len > 0 && first != '/') {
		struct task_struct *task = bpf_get_current_task_btf();
		struct dentry *d = NULL;
		struct vfsmount *m = NULL;

		if (s->dirfd == AT_FDCWD) {
			d = task->fs->pwd.dentry;
			m = task->fs->pwd.mnt;
		} else {
			struct file *f = fd_file(s->dirfd);

			if (f) {
				d = BPF_CORE_READ(f, f_path.dentry);
				m = BPF_CORE_READ(f, f_path.mnt);
			}
		}
		if (d && m) {
			start = off;
			off = walk_dir(e, off, d, m);
			e->dir_len = off - start;
		}
	}
	emit(e, off);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int handle_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return emit_open(ctx->ret, OPEN_CALL_OPEN);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int handle_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return emit_open(ctx->ret, OPEN_CALL_OPENAT);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int handle_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return emit_open(ctx->ret, OPEN_CALL_OPENAT2);
}
