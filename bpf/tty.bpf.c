// SPDX-License-Identifier: GPL-2.0
/* Terminal writes (ttysnoop, shellsnoop): write/writev/pwrite64/pwritev where the fd is a tty or
 * pty, and with cfg.stdio any write to fd 1 or 2. Recorded at syscall exit, so a record holds
 * what reached the terminal: the bytes the call wrote (its return value; a failed write is not
 * recorded, and a partial write that the caller retries is not recorded twice), read from the
 * caller's buffer (unchanged by the write and paged in) up to cfg.write_bytes, with the
 * terminal's size and a mark when the bytes kept are not the whole write. The arguments come
 * from the syscall's saved registers: no program runs at syscall entry. */
#define LANE prio
#include "common.bpf.h"

struct iovec_user {
	__u64 base;
	__u64 len;
};

/* tty majors: 4 (tty*, ttyS*), 5 (/dev/tty, console; not 5:2 ptmx, the master side),
 * 136-143 (pts). */
static __always_inline bool is_tty_dev(__u32 rdev)
{
	__u32 major = rdev >> MINORBITS, minor = rdev & ((1U << MINORBITS) - 1);

	return major == 4 || (major == 5 && minor != 2) || (major >= 136 && major <= 143);
}

/* Does the caller read the recorder's own output pipe on fd 0 (`secrec -o - | cat > f`)?
 * Its writes would record the capture into itself: never traced. */
static __always_inline bool reads_our_pipe(void)
{
	struct file *f;
	struct inode *ino;

	if (!cfg.out_ino)
		return false;
	f = fd_file(0);
	if (!f)
		return false;
	ino = BPF_CORE_READ(f, f_inode);
	return BPF_CORE_READ(ino, i_ino) == cfg.out_ino && BPF_CORE_READ(ino, i_sb, s_dev) == cfg.out_dev;
}

/* Fills rdev/is_tty/rows/cols if the fd's writes are to be recorded; returns false if not. */
static __always_inline bool wanted(int fd, struct tty_event *e)
{
	struct file *f;
	struct inode *ino;
	umode_t mode;

	if (is_self() || reads_our_pipe())
		return false;
	f = fd_file(fd);
	if (!f)
		return false;
	ino = BPF_CORE_READ(f, f_inode);
	mode = BPF_CORE_READ(ino, i_mode);
	e->rdev = 0;
	e->is_tty = 0;
	e->rows = 0;
	e->cols = 0;
	if ((mode & S_IFMT) == S_IFCHR) {
		e->rdev = BPF_CORE_READ(ino, i_rdev);
		if (is_tty_dev(e->rdev)) {
			struct tty_file_private *priv = BPF_CORE_READ(f, private_data);
			struct tty_struct *tty = BPF_CORE_READ(priv, tty);

			e->is_tty = 1;
			if (tty) {
				e->rows = BPF_CORE_READ(tty, winsize.ws_row);
				e->cols = BPF_CORE_READ(tty, winsize.ws_col);
			}
			return true;
		}
	}
	return cfg.stdio && (fd == 1 || fd == 2);
}

static __always_inline struct tty_event *start(__u16 call, int fd)
{
	struct tty_event *e = scratch_rec();

	if (!e)
		return NULL;
	if (!wanted(fd, e))
		return NULL;
	fill_head(&e->h, EV_TTY);
	e->fd = fd;
	e->call = call;
	e->tflags = 0;
	e->pad = 0;
	return e;
}

static __always_inline __u32 write_cap(void)
{
	return cfg.write_bytes < WRITE_CAP ? cfg.write_bytes : WRITE_CAP;
}

static __always_inline int on_write(long ret, __u16 call, int fd, __u64 buf)
{
	struct tty_event *e;
	__u64 n, cap = write_cap();

	if (ret <= 0)
		return 0;
	e = start(call, fd);
	if (!e)
		return 0;
	e->len = ret;
	n = (__u64)ret < cap ? (__u64)ret : cap;
	if (n > WRITE_CAP)
		n = WRITE_CAP;
	VERIFIER_BOUND(n, 0xffff);
	if (bpf_probe_read_user((char *)e + sizeof(*e), n, (void *)buf))
		n = 0;
	if (n < (__u64)ret)
		e->tflags |= TTY_CUT;
	e->data_len = n;
	emit(e, sizeof(*e) + n);
	return 0;
}

struct iov_walk {
	__u64 vec;
	__u32 kept;
	__u32 cap;    /* min(cfg.write_bytes, bytes written) */
	__u16 cut;
};

/* One iovec: copy what the call wrote of it, while it fits. Records are rebuilt from the per-CPU
 * scratch area (a map value cannot be passed into a bpf_loop callback). */
static long iov_step(__u32 i, struct iov_walk *w)
{
	struct iovec_user iov = {};
	struct tty_event *e;
	__u64 n, at;
	__u32 kept = w->kept;

	if (kept >= w->cap || kept > WRITE_CAP)
		return 1;
	if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(w->vec + (__u64)i * sizeof(iov)))) {
		w->cut = 1;
		return 1;
	}
	if (!iov.len)
		return 0;
	n = w->cap - kept;
	if (iov.len < n)
		n = iov.len;
	if (n > WRITE_CAP)
		n = WRITE_CAP;
	e = scratch_rec();
	if (!e)
		return 1;
	at = kept;
	VERIFIER_BOUND(at, 0xffff);
	VERIFIER_BOUND(n, 0xffff);
	if (bpf_probe_read_user((char *)e + sizeof(*e) + at, n, (void *)iov.base)) {
		/* the bytes kept must be a prefix of the write: stop copying at the first gap */
		w->cut = 1;
		return 1;
	}
	w->kept = kept + n;
	return 0;
}

static __always_inline int on_writev(long ret, __u16 call, int fd, __u64 vec, __u64 vlen)
{
	struct tty_event *e;
	struct iov_walk w = { .vec = vec };

	if (ret <= 0)
		return 0;
	e = start(call, fd);
	if (!e)
		return 0;
	w.cap = (__u64)ret < write_cap() ? ret : write_cap();
	if (vlen > IOV_CAP)
		vlen = IOV_CAP; /* the kernel refuses more (EINVAL), so a call that wrote has fewer */
	bpf_loop(vlen, iov_step, &w, 0);
	e = scratch_rec();
	if (!e)
		return 0;
	e->len = ret;
	e->data_len = w.kept;
	if (w.cut || w.kept < (__u64)ret)
		e->tflags |= TTY_CUT;
	emit(e, sizeof(*e) + w.kept);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_write")
int handle_write(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = syscall_regs();

	return on_write(ctx->ret, WRITE_CALL_WRITE, SYSCALL_ARG1(regs), SYSCALL_ARG2(regs));
}

SEC("tracepoint/syscalls/sys_exit_pwrite64")
int handle_pwrite64(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = syscall_regs();

	return on_write(ctx->ret, WRITE_CALL_PWRITE64, SYSCALL_ARG1(regs), SYSCALL_ARG2(regs));
}

SEC("tracepoint/syscalls/sys_exit_writev")
int handle_writev(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = syscall_regs();

	return on_writev(ctx->ret, WRITE_CALL_WRITEV, SYSCALL_ARG1(regs), SYSCALL_ARG2(regs), SYSCALL_ARG3(regs));
}

SEC("tracepoint/syscalls/sys_exit_pwritev")
int handle_pwritev(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = syscall_regs();

	return on_writev(ctx->ret, WRITE_CALL_PWRITEV, SYSCALL_ARG1(regs), SYSCALL_ARG2(regs), SYSCALL_ARG3(regs));
}
