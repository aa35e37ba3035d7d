// SPDX-License-Identifier: GPL-2.0
/* Process lifecycle: fork (processes and threads) and exit (the last thread of a process).
 * Fixed-size records, written in place in the priority lane. */
#define LANE prio
#include "common.bpf.h"

SEC("raw_tp/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	struct fork_event *e;

	if (is_self())
		return 0;
	if (!RESERVE(e))
		return 0;
	fill_head(&e->h, EV_FORK);
	e->child_pid = BPF_CORE_READ(child, tgid);
	e->child_tid = BPF_CORE_READ(child, pid);
	e->thread = e->child_pid == e->h.pid;
	e->pad = 0;
	submit(e, sizeof(*e));
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
	struct exit_event *e;

	if (is_self())
		return 0;
	/* signal->live drops to 0 before this tracepoint when the whole process is gone. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (!RESERVE(e))
		return 0;
	fill_head(&e->h, EV_EXIT);
	e->exit_code = BPF_CORE_READ(task, exit_code);
	e->pad = 0;
	e->start_ns = BPF_CORE_READ(task, group_leader, start_time);
	submit(e, sizeof(*e));
	return 0;
}
