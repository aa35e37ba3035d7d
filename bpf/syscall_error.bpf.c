// SPDX-License-Identifier: GPL-2.0
/* Syscalls failing with EPERM or EACCES: the sys_exit raw tracepoint, one record each, with
 * the syscall number and whether it came through the 32-bit compat table. */
#define LANE bulk
#include "common.bpf.h"

#define TS_COMPAT 0x0002 /* x86 thread_info.status */

static __always_inline __u32 is_compat(void)
{
#if defined(__TARGET_ARCH_x86)
	struct task_struct *task = bpf_get_current_task_btf();

	if (bpf_core_field_exists(task->thread_info.status))
		return (task->thread_info.status & TS_COMPAT) != 0;
#endif
	return 0;
}

/* A raw tracepoint: the kernel hands over (regs, ret) without first building the perf record
 * of raw_syscalls:sys_exit, and this runs for every syscall of every process. */
SEC("raw_tracepoint/sys_exit")
int handle_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct syscall_error_event *e;
	long ret = (long)ctx->args[1];

	if (ret != -EPERM && ret != -EACCES)
		return 0;
	if (is_self())
		return 0;
	if (!RESERVE(e))
		return 0;
	fill_head(&e->h, EV_SYSCALL_ERROR);
	e->nr = SYSCALL_NR(syscall_regs()); /* as syscall_get_nr() reports it */
	e->ret = ret;
	e->compat = is_compat();
	e->pad = 0;
	submit(e, sizeof(*e));
	return 0;
}
