// SPDX-License-Identifier: GPL-2.0
/* Syscalls failing with EPERM or EACCES (eperm): raw_syscalls:sys_exit, one record each, with
 * the syscall number and whether it came through the 32-bit compat table. */
#define LANE bulk
#include "common.bpf.h"

#define TS_COMPAT 0x0002 /* x86 thread_info.status */

static __always_inline __u32 is_compat(void)
{
#if defined(__TARGET_ARCH_x86)
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	if (bpf_core_field_exists(task->thread_info.status))
		return (BPF_CORE_READ(task, thread_info.status) & TS_COMPAT) != 0;
#endif
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int handle_sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct syserr_event *e;
	long ret = ctx->ret;

	if (ret != -EPERM && ret != -EACCES)
		return 0;
	if (is_self())
		return 0;
	if (!RESERVE(e))
		return 0;
	fill_head(&e->h, EV_SYSERR);
	e->nr = ctx->id;
	e->ret = ret;
	e->compat = is_compat();
	e->pad = 0;
	submit(e, sizeof(*e));
	return 0;
}
