// SPDX-License-Identifier: GPL-2.0
/* Terminal writes (ttysnoop, shellsnoop): write/writev/pwrite64/pwritev where the fd is a tty or
 * pty, and with cfg.stdio any write to fd 1 or 2. Bytes are read at syscall entry (the caller's
 * buffer is paged in: it is writing from it), up to cfg.write_bytes, with the asked length. */
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

/* Returns the fd's device if it is to be recorded, else -1. */
static __always_inline long wanted(int fd, __u16 *is_tty)
{
	struct file *f;
	struct inode *ino;
	__u32 rdev = 0;
	umode_t mode;

	if (is_self())
		return -1;
	f = fd_file(fd);
	if (!f)
		return -1;
	ino = BPF_CORE_READ(f, f_inode);
	mode = BPF_CORE_READ(ino, i_mode);
	if ((mode & S_IFMT) == S_IFCHR) {
		rdev = BPF_CORE_READ(ino, i_rdev);
		if (is_tty_dev(rdev)) {
			*is_tty = 1;
			return rdev;
		}
	}
	*is_tty = 0;
	if (cfg.stdio && (fd == 1 || fd == 2))
		return rdev;
	return -1;
}

static __always_inline int on_write(__u16 call, int fd, __u64 buf, __u64 count)
{
	struct tty_event *e;
	__u16 is_tty;
	long rdev = wanted(fd, &is_tty);
	__u32 n;

	if (rdev < 0)
		return 0;
	e = scratch_rec();
	if (!e)
		return 0;
	fill_head(&e->h, EV_TTY);
	e->rdev = rdev;
	e->fd = fd;
	e->len = count;
	e->call = call;
	e->is_tty = is_tty;
	n = count < cfg.write_bytes ? count : cfg.write_bytes;
	n &= OFF_MASK;
	if (bpf_probe_read_user((char *)e + sizeof(*e), n, (void *)buf))
		n = 0;
	e->data_len = n;
	emit(e, sizeof(*e) + n);
	return 0;
}

static __always_inline int on_writev(__u16 call, int fd, __u64 vec, __u64 vlen)
{
	struct tty_event *e;
	__u16 is_tty;
	long rdev = wanted(fd, &is_tty);
	__u32 off, budget, n;
	__u64 total = 0;
	int i;

	if (rdev < 0)
		return 0;
	e = scratch_rec();
	if (!e)
		return 0;
	fill_head(&e->h, EV_TTY);
	e->rdev = rdev;
	e->fd = fd;
	e->call = call;
	e->is_tty = is_tty;
	off = sizeof(*e);
	budget = cfg.write_bytes & OFF_MASK;
	for (i = 0; i < IOV_CAP; i++) {
		struct iovec_user iov = {};

		if (i >= vlen)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(vec + i * sizeof(iov))))
			break;
		total += iov.len;
		n = iov.len < budget ? iov.len : budget;
		n &= OFF_MASK;
		if (n && !bpf_probe_read_user((char *)e + off, n, (void *)iov.base)) {
			off = (off + n) & OFF_MASK;
			budget -= n;
		}
	}
	e->len = total;
	e->data_len = off - sizeof(*e);
	emit(e, off);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_write")
int handle_write(struct trace_event_raw_sys_enter *ctx)
{
	return on_write(WRITE_CALL_WRITE, ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_pwrite64")
int handle_pwrite64(struct trace_event_raw_sys_enter *ctx)
{
	return on_write(WRITE_CALL_PWRITE64, ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_writev")
int handle_writev(struct trace_event_raw_sys_enter *ctx)
{
	return on_writev(WRITE_CALL_WRITEV, ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_pwritev")
int handle_pwritev(struct trace_event_raw_sys_enter *ctx)
{
	return on_writev(WRITE_CALL_PWRITEV, ctx->args[0], ctx->args[1], ctx->args[2]);
}
